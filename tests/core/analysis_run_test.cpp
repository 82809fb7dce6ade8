// The measurement history of a metric: add_measurement keeps what trim_measurements (Argo's
// retention, checked against Argo's cases in ../shared/conformance) keeps, the newest look
// alone carries its evidence, and the history never grows past its limit.

#include <catch2/catch.hpp>
#include <floodgate/core/analysis_run.hpp>
#include <string>
#include <vector>

using namespace floodgate::core;

namespace {

measurement look(int i) {
  measurement m;
  m.value = std::to_string(i);
  comparison_verdict v;
  v.n = i;
  m.evidence = std::make_shared<const comparison_verdict>(v);
  return m;
}

std::vector<std::string> values(const metric_result& r) {
  std::vector<std::string> out;
  for (const auto& m : r.measurements) out.push_back(m.value.str());
  return out;
}

}  // namespace

TEST_CASE("add_measurement keeps Argo's newest measurements, evidence on the newest only",
          "[core]") {
  for (std::size_t limit : {0, 1, 2, 3, 10, 12}) {
    metric_result added, trimmed;
    for (int i = 0; i < 25; ++i) {
      add_measurement(added, look(i), limit);
      trimmed.measurements.push_back(look(i));
      trim_measurements(trimmed, limit);
      INFO("limit " << limit << ", after look " << i);
      REQUIRE(values(added) == values(trimmed));
      const std::size_t cap = limit == 0 ? default_measurement_retention : limit;
      CHECK(added.measurements.capacity() <= cap);
      REQUIRE(added.measurements.back().evidence);
      CHECK(*added.measurements.back().evidence->n == i);
      for (std::size_t k = 0; k + 1 < added.measurements.size(); ++k)
        CHECK_FALSE(added.measurements[k].evidence);
    }
  }
}

TEST_CASE("a wrapped history reads oldest first, appended to or trimmed by hand", "[core]") {
  // add_measurement overwrites the oldest slot of a full history (a ring); reading, push_back,
  // resize and trimming see the measurements in their order all the same.
  metric_result r;
  for (int i = 0; i < 13; ++i) add_measurement(r, look(i), 5);
  CHECK(values(r) == std::vector<std::string>{"8", "9", "10", "11", "12"});
  CHECK(r.measurements[0].value == "8");
  CHECK(r.measurements.back().value == "12");
  r.measurements.push_back(look(13));
  CHECK(values(r) == std::vector<std::string>{"8", "9", "10", "11", "12", "13"});
  trim_measurements(r, 2);
  CHECK(values(r) == std::vector<std::string>{"12", "13"});
  for (int i = 14; i < 17; ++i) add_measurement(r, look(i), 3);
  CHECK(values(r) == std::vector<std::string>{"14", "15", "16"});
  r.measurements.resize(4);
  CHECK(values(r) == std::vector<std::string>{"14", "15", "16", ""});
}
