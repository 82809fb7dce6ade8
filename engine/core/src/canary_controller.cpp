#include <floodgate/core/canary_controller.hpp>

#include <utility>

namespace floodgate::core {

namespace {

const std::vector<threshold_metric>& metrics_of(const canary_plan& plan, const rollout_state& s,
                                                bool background) {
  static const std::vector<threshold_metric> none;
  if (background) return plan.background;
  if (s.step < plan.steps.size()) return plan.steps[s.step].metrics;
  return none;
}

run_state start_run(const std::vector<threshold_metric>& metrics, instant now) {
  run_state r;
  r.started_at = now;
  r.results.resize(metrics.size());
  return r;
}

// One look at a comparison metric: its verdict as a measurement.
void measure_comparison(const threshold_metric& m, const observation& o, measurement& meas) {
  const auto* data = std::get_if<comparison_data>(&o.result);
  if (!data) {
    meas.phase = phase::error;
    meas.message = "comparison metric \"" + m.name + "\" needs canary and baseline data, got " +
                   (std::holds_alternative<value>(o.result) ? "a single result" : "nothing");
    return;
  }
  comparison_verdict v = compare(*m.compare, *data);
  meas.message = v.message;
  switch (v.outcome) {
    case comparison_outcome::successful:
      meas.phase = phase::successful;
      break;
    case comparison_outcome::failed:
      meas.phase = phase::failed;
      break;
    case comparison_outcome::error:
      meas.phase = phase::error;
      break;
    case comparison_outcome::insufficient:
      meas.phase = phase::running;  // finished, counts nothing: the metric keeps measuring
      meas.insufficient = true;
      break;
  }
  meas.value = o.value_text;
  meas.evidence = std::move(v);
}

// Records one answer; returns true when a comparison metric has just become insufficient (the
// previous look was not), which the controller reports as a hold.
bool record_observation(const threshold_metric& m, run_state& run, const observation& o,
                        instant now) {
  auto& slot = run.results[o.request.metric];
  if (!slot) slot = metric_result{};
  if (completed(slot->phase)) return false;  // a late answer for a finished metric changes nothing
  const bool was_insufficient =
      !slot->measurements.empty() && slot->measurements.back().insufficient;
  measurement meas;
  meas.finished_at = now;
  if (const auto* err = std::get_if<std::string>(&o.result)) {
    meas.phase = phase::error;
    meas.message = *err;
  } else if (m.compare) {
    measure_comparison(m, o, meas);
  } else if (const auto* v = std::get_if<value>(&o.result)) {
    const verdict ver = evaluate_measurement(m, *v);
    meas.phase = ver.phase;
    meas.message = ver.message;
    if (ver.phase != phase::error) meas.value = o.value_text;
  } else {
    meas.phase = phase::error;
    meas.message = "metric \"" + m.name + "\" has conditions, not a comparison: got arm data";
  }
  record(slot->counters, meas.phase);
  slot->message = meas.message;
  const bool newly_insufficient = meas.insufficient && !was_insufficient;
  slot->measurements.push_back(std::move(meas));
  trim_measurements(*slot, default_measurement_retention);
  return newly_insufficient;
}

// The metric whose phase decided the run, for the decision's reason.
void explain(decision_reason& reason, const std::vector<threshold_metric>& metrics,
             const run_state& run, phase run_phase) {
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& r = run.results[i];
    if (!r || metrics[i].dry_run || r->phase != run_phase) continue;
    reason.metric = metrics[i].name;
    if (!r->measurements.empty()) {
      const measurement& last = r->measurements.back();
      reason.value = last.value;
      if (last.evidence) add_evidence(reason, *last.evidence);
    }
    if (reason.detail.empty()) reason.detail = r->message;
    return;
  }
}

// Argo words a run's message only when a limit was exceeded; a phase set otherwise (a comparison
// resolved at its maxTime) is explained by the metric's own message.
std::string deciding_message(const std::vector<threshold_metric>& metrics, const run_state& run,
                             phase run_phase) {
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& r = run.results[i];
    if (!r || metrics[i].dry_run || r->phase != run_phase) continue;
    return "Metric \"" + metrics[i].name + "\" assessed " + std::string(phase_name(run_phase)) +
           ": " + r->message;
  }
  return "";
}

decision_reason because(std::string rule, std::string detail = "") {
  decision_reason r;
  r.rule = std::move(rule);
  r.detail = std::move(detail);
  return r;
}

class stepper {
 public:
  stepper(const canary_plan& plan, rollout_state& s, instant now) : plan_(plan), s_(s), now_(now) {}

  void emit(decision_kind kind, decision_reason reason) {
    out_.decisions.push_back(decision{now_, s_.step, kind, s_.weight, std::move(reason)});
  }
  void consider_wake(std::optional<instant> t) {
    if (t && (!out_.next_wake_up || *t < *out_.next_wake_up)) out_.next_wake_up = t;
  }
  void abort(decision_reason reason) {
    s_.weight = 0;
    s_.status = rollout_status::aborted;
    if (s_.step_run) s_.step_run->terminate = true;
    if (s_.background_run) s_.background_run->terminate = true;
    emit(decision_kind::abort, std::move(reason));
  }

  // A hold decision for a comparison metric that is short of data.
  void hold(const threshold_metric& m, const metric_result& r, std::string rule,
            std::string detail) {
    decision_reason why;
    why.rule = std::move(rule);
    why.metric = m.name;
    why.detail = std::move(detail);
    if (!r.measurements.empty() && r.measurements.back().evidence) {
      add_evidence(why, *r.measurements.back().evidence);
    }
    emit(decision_kind::hold, std::move(why));
  }

  void report_insufficient(const std::vector<std::pair<bool, std::size_t>>& newly) {
    for (const auto& [background, i] : newly) {
      const auto& run = background ? s_.background_run : s_.step_run;
      const auto& metrics = metrics_of(plan_, s_, background);
      if (!run || i >= metrics.size() || !run->results[i]) continue;
      hold(metrics[i], *run->results[i], "insufficient data", run->results[i]->message);
    }
  }

  // A comparison metric still insufficient at its maxTime resolves as the plan says: Failed,
  // Inconclusive, or a hold (keep measuring). Never a pass.
  void resolve_insufficient(const std::vector<threshold_metric>& metrics, run_state& run) {
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const threshold_metric& m = metrics[i];
      auto& r = run.results[i];
      if (!m.compare || !m.compare->max_time || !r || completed(r->phase) ||
          r->insufficient_resolved || r->measurements.empty() ||
          !r->measurements.back().insufficient || !run.started_at) {
        continue;
      }
      const instant deadline = *run.started_at + *m.compare->max_time;
      if (now_ < deadline) {
        consider_wake(deadline);
        continue;
      }
      r->insufficient_resolved = true;
      const auto how = m.compare->on_insufficient;
      std::string why = "insufficient data after " + format_go_duration(*m.compare->max_time) +
                        " (onInsufficient: " + std::string(insufficient_resolution_name(how)) +
                        "): " + r->message;
      switch (how) {
        case insufficient_resolution::abort:
          r->phase = phase::failed;
          r->message = std::move(why);
          break;
        case insufficient_resolution::inconclusive:
          r->phase = phase::inconclusive;
          r->message = std::move(why);
          break;
        case insufficient_resolution::hold:
          hold(m, *r, "insufficient data at maxTime", std::move(why));
          break;
      }
    }
  }

  // Assesses a run; returns its reaction, emitting abort / pause decisions.
  bool react(bool background) {
    auto& run = background ? s_.background_run : s_.step_run;
    const auto& metrics = metrics_of(plan_, s_, background);
    resolve_insufficient(metrics, *run);
    run_assessment a = assess_run(metrics, run->results, run->terminate);
    if (a.message.empty() && completed(a.phase) && a.phase != phase::successful) {
      a.message = deciding_message(metrics, *run, a.phase);  // e.g. resolved at maxTime
    }
    const auto kind = background ? analysis_kind::background : analysis_kind::step;
    const rollout_reaction r = react_to_run(kind, a.phase, a.message);
    // The reason is built only when a decision is emitted: the steady state allocates nothing.
    const auto reason = [&] {
      decision_reason why;
      why.rule = std::string(background ? "background analysis " : "analysis ") +
                 std::string(phase_name(a.phase));
      why.detail = r.what == rollout_reaction::action::abort ? r.reason : a.message;
      explain(why, metrics, *run, a.phase);
      return why;
    };
    switch (r.what) {
      case rollout_reaction::action::abort:
        abort(reason());
        return false;
      case rollout_reaction::action::pause_inconclusive:
        s_.status = rollout_status::paused_inconclusive;
        emit(decision_kind::pause, reason());
        return false;
      case rollout_reaction::action::advance:
        s_.step_run.reset();
        ++s_.step;
        return true;
      default:
        consider_wake(next_wake_up(metrics, run->results, run->started_at, now_));
        if (any_metric_due(metrics, run->results, run->started_at, now_, run->terminate)) {
          consider_wake(now_);
        }
        return !background;  // a running background run never blocks the steps
    }
  }

  advance_result run(const std::vector<std::pair<bool, std::size_t>>& newly_insufficient = {}) {
    report_insufficient(newly_insufficient);
    for (;;) {
      if (s_.status == rollout_status::promoted || s_.status == rollout_status::aborted) break;
      if (!plan_.background.empty() && s_.step >= plan_.background_from_step &&
          !s_.background_run) {
        s_.background_run = start_run(plan_.background, now_);
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
        emit(decision_kind::promote, because("all steps completed"));
        break;
      }
      const canary_step& step = plan_.steps[s_.step];
      if (step.what == canary_step::kind::set_weight) {
        s_.weight = step.weight;
        emit(decision_kind::set_weight, because("step"));
        ++s_.step;
        continue;
      }
      if (step.what == canary_step::kind::pause) {
        if (!s_.pause_started) {
          s_.pause_started = now_;
          emit(decision_kind::pause,
               because("step", step.duration ? "for " + format_go_duration(*step.duration)
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
      if (!s_.step_run) s_.step_run = start_run(step.metrics, now_);
      if (!react(false) || s_.step_run) break;  // aborted, paused, or still measuring
    }
    return std::move(out_);
  }

 private:
  const canary_plan& plan_;
  rollout_state& s_;
  instant now_;
  advance_result out_;
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
    for (const std::size_t i : due_metrics(metrics_of(plan, state, background), run->results,
                                           run->started_at, now, false)) {
      out.push_back({background, i});
    }
  }
  return out;
}

advance_result advance(const canary_plan& plan, rollout_state& state, instant now,
                       const std::vector<observation>& observations) {
  std::vector<std::pair<bool, std::size_t>> newly_insufficient;
  for (const auto& o : observations) {
    auto& run = o.request.background ? state.background_run : state.step_run;
    const auto& metrics = metrics_of(plan, state, o.request.background);
    if (!run || o.request.metric >= metrics.size()) continue;  // stale: the run has moved on
    if (record_observation(metrics[o.request.metric], *run, o, now)) {
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
  s.abort(because("manual abort", "by " + who));
  return s.run();
}

}  // namespace floodgate::core
