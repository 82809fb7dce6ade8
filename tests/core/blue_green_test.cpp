// The blue-green controller: pre-promotion analysis on the preview, the switch, post-promotion
// analysis, manual and delayed promotion; whole traces against golden files.

#include "drive.hpp"

using namespace floodgate::core;
using namespace floodgate::core::testing;

namespace {

threshold_metric check(std::string name, std::int64_t count) {
  threshold_metric m;
  m.name = std::move(name);
  m.interval = millis(60000);
  m.count = count;
  m.success_condition = condition::parse("result[0] >= 0.99");
  return m;
}

blue_green_plan plan_with_analyses() {
  blue_green_plan p;
  p.pre_promotion = {check("preview-success-rate", 3)};
  p.post_promotion = {check("active-success-rate", 2)};
  return p;
}

// Answers 0.995 except for the named metric after `bad_from` seconds.
answer_fn answers(const blue_green_plan& plan, const blue_green_state& s, std::string bad_metric,
                  std::int64_t bad_from) {
  return [&plan, &s, bad_metric, bad_from](const metric_request& r, instant now) -> reply {
    const auto& metrics =
        s.stage == blue_green_stage::post_promotion ? plan.post_promotion : plan.pre_promotion;
    const bool bad =
        metrics[r.metric].name == bad_metric && now - epoch >= std::chrono::seconds(bad_from);
    return rate(bad ? 0.9 : 0.995);
  };
}

basic_log<blue_green_state> run(const blue_green_plan& plan, const std::string& bad_metric = "",
                                std::int64_t bad_from = 0,
                                const std::map<std::int64_t, std::string>& commands = {}) {
  basic_log<blue_green_state> log;
  drive(log, plan, answers(plan, log.state, bad_metric, bad_from), commands);
  return log;
}

}  // namespace

TEST_CASE("blue-green: analyses pass, the switch, promotion", "[core][blue-green]") {
  const auto log = run(plan_with_analyses());
  check_golden("blue_green_healthy.trace", log.lines);
  CHECK(log.state.status == rollout_status::promoted);
  CHECK(log.state.weight == 100);
  REQUIRE(log.state.scale_down_at);
  // The switch at 2m (third pre-promotion look), post-promotion done at 3m: scale-down at
  // max(switch + 30 s, end of post-promotion analysis).
  CHECK(*log.state.scale_down_at == epoch + std::chrono::minutes(3));

  blue_green_plan bare;
  const auto quick = run(bare);
  CHECK(quick.lines == std::vector<std::string>{
                           "t=0s step=1 set_weight 100 [promotion] active service switched to "
                           "the new version",
                           "t=0s step=2 promote 100 [promoted] new version is stable; previous "
                           "version scaled down at t+30s",
                           "final promoted weight 100"});
}

TEST_CASE("blue-green: a failed pre-promotion analysis never switches", "[core][blue-green]") {
  const auto log = run(plan_with_analyses(), "preview-success-rate", 60);
  check_golden("blue_green_pre_failed.trace", log.lines);
  CHECK(log.state.status == rollout_status::aborted);
  CHECK(log.state.weight == 0);
  CHECK_FALSE(log.state.switched_at);
}

TEST_CASE("blue-green: a failed post-promotion analysis switches back", "[core][blue-green]") {
  const auto log = run(plan_with_analyses(), "active-success-rate", 0);
  check_golden("blue_green_post_failed.trace", log.lines);
  CHECK(log.state.status == rollout_status::aborted);
  CHECK(log.state.weight == 0);
  CHECK(log.state.switched_at);
  CHECK_FALSE(log.state.scale_down_at);
}

TEST_CASE("blue-green: manual and delayed promotion", "[core][blue-green]") {
  auto manual = plan_with_analyses();
  manual.auto_promotion = false;
  auto log = run(manual, "", 0, {{300, "approve"}});
  check_golden("blue_green_manual.trace", log.lines);
  CHECK(log.state.status == rollout_status::promoted);
  CHECK(*log.state.switched_at == epoch + std::chrono::minutes(5));

  // Approved before the pre-promotion analysis has passed: the switch still waits for it.
  log = run(manual, "", 0, {{30, "approve"}});
  CHECK(*log.state.switched_at == epoch + std::chrono::minutes(2));

  auto delayed = plan_with_analyses();
  delayed.auto_promotion_after = millis(600000);
  log = run(delayed);
  CHECK(*log.state.switched_at == epoch + std::chrono::minutes(10));
  CHECK(log.state.status == rollout_status::promoted);

  log = run(plan_with_analyses(), "", 0, {{90, "sre@example"}});
  CHECK(log.state.status == rollout_status::aborted);
  CHECK(log.lines[log.lines.size() - 2] == "t=1m30s step=0 abort 0 [manual abort] by sre@example");
}
