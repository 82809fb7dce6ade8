#include <floodgate/core/blue_green.hpp>

#include <utility>

#include "run_driver.hpp"

namespace floodgate::core {

namespace {

const std::vector<threshold_metric>& metrics_of(const blue_green_plan& plan,
                                                const blue_green_state& s) {
  return s.stage == blue_green_stage::post_promotion ? plan.post_promotion : plan.pre_promotion;
}

class bg_stepper : public detail::driver {
 public:
  bg_stepper(const blue_green_plan& plan, blue_green_state& s, instant now)
      : driver(now), plan_(plan), s_(s) {}

  void abort(decision_reason reason) override {
    s_.weight = 0;  // active on the previous version (switched back after a promotion)
    s_.status = rollout_status::aborted;
    if (s_.run) s_.run->terminate = true;
    emit(decision_kind::abort, std::move(reason));  // at the stage where it was decided
    s_.stage = blue_green_stage::done;
  }
  void pause_inconclusive(decision_reason reason) override {
    s_.status = rollout_status::paused_inconclusive;
    emit(decision_kind::pause, std::move(reason));
  }

  void report(const std::vector<std::size_t>& newly_insufficient) {
    for (const std::size_t i : newly_insufficient) {
      if (s_.run) report_insufficient(metrics_of(plan_, s_), *s_.run, i);
    }
  }

  // The current run's verdict: true when it passed (or there is none).
  bool analysis_passed(analysis_kind kind) {
    const auto& metrics = metrics_of(plan_, s_);
    if (metrics.empty()) return true;
    if (!s_.run) s_.run = detail::start_run(metrics, now_);
    if (react(kind, metrics, *s_.run) != rollout_reaction::action::advance) return false;
    s_.run.reset();
    return true;
  }

  advance_result run() {
    if (s_.status == rollout_status::aborted || s_.stage == blue_green_stage::done) {
      return std::move(out_);
    }
    if (s_.status == rollout_status::paused_inconclusive) return std::move(out_);
    if (s_.status == rollout_status::paused && s_.approved) s_.status = rollout_status::progressing;
    if (!s_.preview_ready_at) s_.preview_ready_at = now_;
    if (s_.stage == blue_green_stage::pre_promotion) {
      if (!plan_.auto_promotion && !s_.approved && !s_.pause_announced) {
        // BlueGreenPause from the start; pre-promotion analysis runs during it.
        s_.pause_announced = true;
        s_.status = rollout_status::paused;
        emit(decision_kind::pause, detail::because("BlueGreenPause", "until approved"));
      }
      if (!s_.pre_passed) {
        if (!analysis_passed(analysis_kind::pre_promotion)) return std::move(out_);
        s_.pre_passed = true;
      }
      if (!promotion_due()) return std::move(out_);
      s_.weight = 100;
      s_.switched_at = now_;
      s_.stage = blue_green_stage::switched;
      s_.status = rollout_status::progressing;
      emit(decision_kind::set_weight,
           detail::because("promotion", "active service switched to the new version"));
      s_.stage = blue_green_stage::post_promotion;
    }
    if (s_.stage == blue_green_stage::post_promotion) {
      if (!s_.post_passed && !analysis_passed(analysis_kind::post_promotion)) {
        return std::move(out_);
      }
      s_.status = rollout_status::promoted;
      s_.scale_down_at = std::max(now_, *s_.switched_at + plan_.scale_down_delay);
      emit(decision_kind::promote,
           detail::because(plan_.post_promotion.empty() || s_.post_passed
                               ? "promoted"
                               : "post-promotion analysis Successful",
                           "new version is stable; previous version scaled down at t+" +
                               format_go_duration(*s_.scale_down_at - *s_.preview_ready_at)));
      s_.stage = blue_green_stage::done;
    }
    return std::move(out_);
  }

 private:
  // Whether the switch may happen now; pauses (once) for a human when promotion is manual.
  bool promotion_due() {
    if (s_.approved) return true;
    if (!plan_.auto_promotion) return false;  // paused until a human promotes
    if (plan_.auto_promotion_after) {
      const instant at = *s_.preview_ready_at + *plan_.auto_promotion_after;
      if (now_ < at) {
        if (!s_.pause_announced) {
          s_.pause_announced = true;
          emit(decision_kind::pause,
               detail::because("autoPromotionSeconds",
                               "promotes at t+" + format_go_duration(*plan_.auto_promotion_after)));
        }
        consider_wake(at);
        return false;
      }
    }
    return true;
  }

  std::size_t current_step() const override { return static_cast<std::size_t>(s_.stage); }
  int current_weight() const override { return s_.weight; }

  const blue_green_plan& plan_;
  blue_green_state& s_;
};

}  // namespace

std::vector<metric_request> due_measurements(const blue_green_plan& plan,
                                             const blue_green_state& state, instant now) {
  std::vector<metric_request> out;
  if (!state.run || state.run->terminate || state.status == rollout_status::aborted) return out;
  for (const std::size_t i : due_metrics(metrics_of(plan, state), state.run->results,
                                         state.run->started_at, now, false)) {
    out.push_back({false, i});
  }
  return out;
}

advance_result advance(const blue_green_plan& plan, blue_green_state& state, instant now,
                       const std::vector<observation>& observations,
                       std::vector<metric_look>* looks) {
  std::vector<std::size_t> newly_insufficient;
  const auto& metrics = metrics_of(plan, state);
  for (const auto& o : observations) {
    if (!state.run || o.request.background || o.request.metric >= metrics.size()) continue;
    if (detail::record_look(metrics[o.request.metric], *state.run, o, now, looks)) {
      newly_insufficient.push_back(o.request.metric);
    }
  }
  bg_stepper s(plan, state, now);
  s.report(newly_insufficient);
  return s.run();
}

advance_result approve(const blue_green_plan& plan, blue_green_state& state, instant now) {
  if (state.status == rollout_status::paused_inconclusive) {
    // As for a canary step: a human's promote counts the inconclusive analysis as passed.
    (state.stage == blue_green_stage::pre_promotion ? state.pre_passed : state.post_passed) = true;
    state.run.reset();
  } else if (state.status != rollout_status::paused) {
    return {};  // nothing waits for a human
  }
  state.approved = true;
  state.status = rollout_status::progressing;
  return bg_stepper(plan, state, now).run();
}

advance_result abort_rollout(const blue_green_plan& plan, blue_green_state& state, instant now,
                             const std::string& who) {
  if (state.status == rollout_status::aborted || state.stage == blue_green_stage::done) return {};
  bg_stepper s(plan, state, now);
  s.abort(detail::because("manual abort", "by " + who));
  return s.run();
}

}  // namespace floodgate::core
