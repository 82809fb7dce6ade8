#include <floodgate/core/canary_controller.hpp>

#include <utility>

#include "run_driver.hpp"

namespace floodgate::core {

namespace {

const std::vector<threshold_metric>& metrics_of(const canary_plan& plan, const rollout_state& s,
                                                bool background) {
  static const std::vector<threshold_metric> none;
  if (background) return plan.background;
  if (s.step < plan.steps.size()) return plan.steps[s.step].metrics;
  return none;
}

class stepper : public detail::driver {
 public:
  stepper(const canary_plan& plan, rollout_state& s, instant now)
      : driver(now), plan_(plan), s_(s) {}

  void abort(decision_reason reason) override {
    s_.weight = 0;
    s_.status = rollout_status::aborted;
    if (s_.step_run) s_.step_run->terminate = true;
    if (s_.background_run) s_.background_run->terminate = true;
    emit(decision_kind::abort, std::move(reason));
  }
  void pause_inconclusive(decision_reason reason) override {
    s_.status = rollout_status::paused_inconclusive;
    emit(decision_kind::pause, std::move(reason));
  }

  // Assesses a run and reacts; true when the steps may go on.
  bool react(bool background) {
    auto& run = background ? s_.background_run : s_.step_run;
    switch (driver::react(background ? analysis_kind::background : analysis_kind::step,
                          metrics_of(plan_, s_, background), *run)) {
      case rollout_reaction::action::abort:
      case rollout_reaction::action::pause_inconclusive:
        return false;
      case rollout_reaction::action::advance:
        s_.step_run.reset();
        ++s_.step;
        return true;
      default:
        return !background;  // a running background run never blocks the steps
    }
  }

  advance_result run(const std::vector<std::pair<bool, std::size_t>>& newly_insufficient = {}) {
    for (const auto& [background, i] : newly_insufficient) {
      const auto& run = background ? s_.background_run : s_.step_run;
      if (run) report_insufficient(metrics_of(plan_, s_, background), *run, i);
    }
    for (;;) {
      if (s_.status == rollout_status::promoted || s_.status == rollout_status::aborted) break;
      if (!plan_.background.empty() && s_.step >= plan_.background_from_step &&
          !s_.background_run) {
        s_.background_run = detail::start_run(plan_.background, now_);
      }
      if (s_.background_run && !s_.background_run->terminate &&
          s_.status != rollout_status::paused_inconclusive) {
        react(true);  // background metrics run through pauses too; their verdict still aborts
      }
      if (s_.status != rollout_status::progressing) break;
      if (s_.step >= plan_.steps.size()) {
        s_.weight = 100;
        s_.status = rollout_status::promoted;
        if (s_.background_run) s_.background_run->terminate = true;
        emit(decision_kind::promote, detail::because("all steps completed"));
        break;
      }
      const canary_step& step = plan_.steps[s_.step];
      if (step.what == canary_step::kind::set_weight) {
        s_.weight = step.weight;
        emit(decision_kind::set_weight, detail::because("step"));
        ++s_.step;
        continue;
      }
      if (step.what == canary_step::kind::pause) {
        if (!s_.pause_started) {
          s_.pause_started = now_;
          emit(decision_kind::pause,
               detail::because("step", step.duration ? "for " + format_go_duration(*step.duration)
                                                     : "until approved"));
        }
        if (!step.duration) {
          s_.status = rollout_status::paused;
          break;
        }
        if (now_ < *s_.pause_started + *step.duration) {
          consider_wake(*s_.pause_started + *step.duration);
          break;
        }
        s_.pause_started.reset();
        ++s_.step;
        continue;
      }
      if (!s_.step_run) s_.step_run = detail::start_run(step.metrics, now_);
      if (!react(false) || s_.step_run) break;  // aborted, paused, or still measuring
    }
    return std::move(out_);
  }

 private:
  std::size_t current_step() const override { return s_.step; }
  int current_weight() const override { return s_.weight; }

  const canary_plan& plan_;
  rollout_state& s_;
};

}  // namespace

std::string_view rollout_status_name(rollout_status s) {
  switch (s) {
    case rollout_status::progressing:
      return "progressing";
    case rollout_status::paused:
      return "paused";
    case rollout_status::paused_inconclusive:
      return "paused (inconclusive analysis)";
    case rollout_status::promoted:
      return "promoted";
    case rollout_status::aborted:
      return "aborted";
  }
  return "?";
}

std::vector<metric_request> due_measurements(const canary_plan& plan, const rollout_state& state,
                                             instant now) {
  std::vector<metric_request> out;
  if (state.status == rollout_status::promoted || state.status == rollout_status::aborted)
    return out;
  for (const bool background : {false, true}) {
    const auto& run = background ? state.background_run : state.step_run;
    if (!run || run->terminate) continue;
    const auto due =
        due_metrics(metrics_of(plan, state, background), run->results, run->started_at, now, false);
    if (out.empty()) out.reserve(due.size());
    for (const std::size_t i : due) out.push_back({background, i});
  }
  return out;
}

advance_result advance(const canary_plan& plan, rollout_state& state, instant now,
                       const std::vector<observation>& observations,
                       std::vector<metric_look>* looks) {
  std::vector<std::pair<bool, std::size_t>> newly_insufficient;
  for (const auto& o : observations) {
    auto& run = o.request.background ? state.background_run : state.step_run;
    const auto& metrics = metrics_of(plan, state, o.request.background);
    if (!run || o.request.metric >= metrics.size()) continue;  // stale: the run has moved on
    if (detail::record_look(metrics[o.request.metric], *run, o, now, looks)) {
      newly_insufficient.emplace_back(o.request.background, o.request.metric);
    }
  }
  return stepper(plan, state, now).run(newly_insufficient);
}

advance_result approve(const canary_plan& plan, rollout_state& state, instant now) {
  if (state.status == rollout_status::paused) {
    state.pause_started.reset();
    ++state.step;
  } else if (state.status == rollout_status::paused_inconclusive) {
    // Argo's promote on an inconclusive pause counts the step as passed; an inconclusive
    // background run starts afresh.
    if (state.step_run) {
      state.step_run.reset();
      ++state.step;
    }
    if (state.background_run) state.background_run.reset();
  } else {
    return {};
  }
  state.status = rollout_status::progressing;
  return stepper(plan, state, now).run();
}

advance_result abort_rollout(rollout_state& state, instant now, const std::string& who) {
  if (state.status == rollout_status::promoted || state.status == rollout_status::aborted) {
    return {};
  }
  const canary_plan none;
  stepper s(none, state, now);
  s.abort(detail::because("manual abort", "by " + who));
  return s.run();
}

}  // namespace floodgate::core
