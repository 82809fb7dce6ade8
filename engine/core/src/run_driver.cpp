#include "run_driver.hpp"

#include <utility>

namespace floodgate::core::detail {

run_state start_run(const std::vector<threshold_metric>& metrics, instant now) {
  run_state r;
  r.started_at = now;
  r.results.resize(metrics.size());
  return r;
}

namespace {

// One look at a comparison metric: its verdict as a measurement.
void measure_comparison(const threshold_metric& m, const observation& o, measurement& meas) {
  const auto* data = std::get_if<comparison_data>(&o.result);
  if (!data) {
    meas.phase = phase::error;
    meas.message = "comparison metric \"" + m.name + "\" needs canary and baseline data, got " +
                   (std::holds_alternative<value>(o.result) ? "a single result" : "nothing");
    return;
  }
  auto v = o.verdict ? o.verdict
                     : std::make_shared<const comparison_verdict>(compare(*m.compare, *data));
  meas.message = v->message;
  switch (v->outcome) {
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
      break;
  }
  meas.value = o.value_text;
  meas.evidence = std::move(v);
}

}  // namespace

// Records one answer; returns true when a comparison metric has just become insufficient (the
// previous look was not), which the controller reports as a hold.
bool record_observation(const threshold_metric& m, run_state& run, const observation& o,
                        instant now, measurement* taken) {
  auto& slot = run.results[o.request.metric];
  if (!slot) slot = metric_result{};
  if (completed(slot->phase)) return false;  // a late answer for a finished metric changes nothing
  const bool was_insufficient =
      !slot->measurements.empty() && slot->measurements.back().insufficient();
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
  const bool newly_insufficient = meas.insufficient() && !was_insufficient;
  if (taken) *taken = meas;
  add_measurement(*slot, std::move(meas));
  return newly_insufficient;
}

namespace {

// The first wet metric whose stored phase is the run's: the one that decided it.
const threshold_metric* deciding_metric(const std::vector<threshold_metric>& metrics,
                                        const run_state& run, phase run_phase,
                                        const metric_result** result) {
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& r = run.results[i];
    if (!r || metrics[i].dry_run || r->phase != run_phase) continue;
    *result = &*r;
    return &metrics[i];
  }
  return nullptr;
}

// The metric that decided the run, its last value and evidence, for the decision's reason.
void explain(decision_reason& reason, const std::vector<threshold_metric>& metrics,
             const run_state& run, phase run_phase) {
  const metric_result* r = nullptr;
  const threshold_metric* m = deciding_metric(metrics, run, run_phase, &r);
  if (!m) return;
  reason.metric = m->name;
  if (!r->measurements.empty()) {
    const measurement& last = r->measurements.back();
    reason.value = last.value.str();
    if (last.evidence) add_evidence(reason, *last.evidence);
  }
  if (reason.detail.empty()) reason.detail = r->message;
}

// Argo words a run's message only when a limit was exceeded; a phase set otherwise (a comparison
// resolved at its maxTime) is explained by the metric's own message.
std::string deciding_message(const std::vector<threshold_metric>& metrics, const run_state& run,
                             phase run_phase) {
  const metric_result* r = nullptr;
  const threshold_metric* m = deciding_metric(metrics, run, run_phase, &r);
  if (!m) return "";
  return "Metric \"" + m->name + "\" assessed " + std::string(phase_name(run_phase)) + ": " +
         r->message;
}

// The rule of a decision taken on a run of this kind.
constexpr std::string_view rule_labels[] = {"analysis ", "background analysis ",
                                            "pre-promotion analysis ", "post-promotion analysis "};

}  // namespace

decision_reason because(std::string rule, std::string detail) {
  decision_reason r;
  r.rule = std::move(rule);
  r.detail = std::move(detail);
  return r;
}

void driver::emit(decision_kind kind, decision_reason reason) {
  out_.decisions.push_back(
      decision{now_, current_step(), kind, current_weight(), std::move(reason)});
}

void driver::consider_wake(std::optional<instant> t) {
  if (t && (!out_.next_wake_up || *t < *out_.next_wake_up)) out_.next_wake_up = t;
}

// A hold decision for a comparison metric that is short of data.
void driver::hold(const threshold_metric& m, const metric_result& r, std::string rule,
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

void driver::report_insufficient(const std::vector<threshold_metric>& metrics, const run_state& run,
                                 std::size_t metric) {
  if (metric >= metrics.size() || !run.results[metric]) return;
  hold(metrics[metric], *run.results[metric], "insufficient data", run.results[metric]->message);
}

// A comparison metric still insufficient at its maxTime resolves as the plan says: Failed,
// Inconclusive, or a hold (keep measuring). Never a pass.
void driver::resolve_insufficient(const std::vector<threshold_metric>& metrics, run_state& run) {
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const threshold_metric& m = metrics[i];
    auto& r = run.results[i];
    if (!m.compare || !m.compare->max_time || !r || completed(r->phase) ||
        r->insufficient_resolved || r->measurements.empty() ||
        !r->measurements.back().insufficient() || !run.started_at) {
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

run_assessment driver::assess(const std::vector<threshold_metric>& metrics, run_state& run) {
  resolve_insufficient(metrics, run);
  run_assessment a = assess_run(metrics, run.results, run.terminate);
  if (a.message.empty() && completed(a.phase) && a.phase != phase::successful) {
    a.message = deciding_message(metrics, run, a.phase);  // e.g. resolved at maxTime
  }
  if (!completed(a.phase)) {
    consider_wake(next_wake_up(metrics, run.results, run.started_at, now_));
    if (any_metric_due(metrics, run.results, run.started_at, now_, run.terminate)) {
      consider_wake(now_);
    }
  }
  return a;
}

rollout_reaction::action driver::react(analysis_kind kind,
                                       const std::vector<threshold_metric>& metrics,
                                       run_state& run) {
  const run_assessment a = assess(metrics, run);
  const rollout_reaction r = react_to_run(kind, a.phase, a.message);
  // The reason is built only when a decision is emitted: the steady state allocates nothing.
  const auto reason = [&] {
    decision_reason why;
    why.rule = std::string(rule_labels[static_cast<int>(kind)]) + std::string(phase_name(a.phase));
    why.detail = r.what == rollout_reaction::action::abort ? r.reason : a.message;
    if (r.switch_back) why.detail += " (active switched back to the previous version)";
    explain(why, metrics, run, a.phase);
    return why;
  };
  if (r.what == rollout_reaction::action::abort) abort(reason());
  if (r.what == rollout_reaction::action::pause_inconclusive) pause_inconclusive(reason());
  return r.what;
}

}  // namespace floodgate::core::detail
