#include <catch2/catch.hpp>

#include <cmath>

#include <floodgate/sim/capacity_plan.hpp>

namespace fs = floodgate::sim;
using Catch::Matchers::WithinRel;

namespace {
fs::capacity_inputs example(fs::sample_size_model model) {
  fs::capacity_inputs in;
  in.total_rps = 1000;
  in.baseline_error_rate = 0.01;
  in.mde = 0.005;
  in.model = model;
  in.steps = {{0.05, 600}, {0.25, 600}, {0.5, 600}};
  return in;
}
}  // namespace

TEST_CASE("quick model reproduces the source document", "[sim]") {
  const auto r = fs::plan_capacity(example(fs::sample_size_model::quick));
  REQUIRE_FALSE(r.error);
  const auto& s = r.plan.steps.at(0);
  CHECK(s.required_canary_requests == 1522.0);
  CHECK_THAT(s.required_seconds, WithinRel(30.44, 1e-12));
  CHECK(s.canary_requests == 30000.0);
  CHECK(s.baseline_requests == 570000.0);
  CHECK_THAT(s.canary_error_events, WithinRel(300.0, 1e-12));
  CHECK(s.long_enough);
  CHECK(r.plan.total_seconds == 1800.0);
}

TEST_CASE("two-sample model uses the step's allocation ratio", "[sim]") {
  const auto r = fs::plan_capacity(example(fs::sample_size_model::two_sample));
  REQUIRE_FALSE(r.error);
  // statistics.md §3.2 table: 1 % -> 1.5 %, canary 5 % against 95 %: 3 761 canary requests.
  CHECK(r.plan.steps.at(0).required_canary_requests == 3761.0);
  // The step detects exactly the effect whose requirement equals its own traffic.
  for (const auto& s : r.plan.steps) {
    CHECK(s.detectable_effect < 0.005);
    CHECK(s.long_enough);
  }
  // A too-short step is flagged with the duration it would need.
  auto in = example(fs::sample_size_model::two_sample);
  in.steps = {{0.05, 30}};
  const auto shorter = fs::plan_capacity(in);
  CHECK_FALSE(shorter.plan.steps.at(0).long_enough);
  CHECK_THAT(shorter.plan.steps.at(0).required_seconds, WithinRel(3761.0 / 50.0, 1e-12));
}

TEST_CASE("sequential model sizes steps in error events", "[sim]") {
  const auto r = fs::plan_capacity(example(fs::sample_size_model::sequential));
  REQUIRE_FALSE(r.error);
  CHECK(r.plan.steps.at(0).required_canary_requests > 0.0);
  CHECK_FALSE(r.plan.notes.empty());
}

TEST_CASE("capacity inputs are validated with the field named", "[sim]") {
  auto in = example(fs::sample_size_model::two_sample);
  in.total_rps = 0;
  CHECK(fs::plan_capacity(in).error->field == "rps");
  in = example(fs::sample_size_model::two_sample);
  in.mde = 0;
  CHECK(fs::plan_capacity(in).error->field == "mde");
  in = example(fs::sample_size_model::sequential);
  in.baseline_error_rate = 0;
  CHECK(fs::plan_capacity(in).error->message.find("sequential") != std::string::npos);
  in = example(fs::sample_size_model::two_sample);
  in.steps.clear();
  CHECK(fs::plan_capacity(in).error->field == "steps");
}
