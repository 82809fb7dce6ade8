#include <floodgate/core/analysis_run.hpp>

#include <algorithm>

namespace floodgate::core {

namespace {

void bump(run_summary& s, phase p) {
  switch (p) {
    case phase::failed:
      ++s.failed;
      break;
    case phase::inconclusive:
      ++s.inconclusive;
      break;
    case phase::error:
      ++s.error;
      break;
    default:
      ++s.successful;
  }
}

const measurement* last_of(const std::optional<metric_result>& r) {
  if (!r || r->measurements.empty()) return nullptr;
  return &r->measurements.back();
}

}  // namespace

bool is_terminating(bool terminate, const std::vector<threshold_metric>& metrics,
                    const std::vector<std::optional<metric_result>>& results) {
  if (terminate) return true;
  for (std::size_t i = 0; i < metrics.size() && i < results.size(); ++i) {
    if (!results[i] || metrics[i].dry_run) continue;
    const phase p = results[i]->phase;
    if (p == phase::failed || p == phase::error || p == phase::inconclusive) return true;
  }
  return false;
}

run_assessment assess_run(const std::vector<threshold_metric>& metrics,
                          std::vector<std::optional<metric_result>>& results, bool terminate) {
  const bool terminating = is_terminating(terminate, metrics, results);
  run_assessment out;
  std::optional<phase> worst;
  std::string message = terminate ? "Run Terminated" : "";
  bool all_done = true;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const threshold_metric& m = metrics[i];
    ++(m.dry_run ? out.dry_run_summary : out.summary).count;
    if (i >= results.size() || !results[i]) {
      all_done = false;  // not started yet (initialDelay)
      continue;
    }
    metric_result& r = *results[i];
    if (!completed(r.phase)) {
      const bool last_done = !r.measurements.empty() && completed(r.measurements.back().phase);
      r.phase = assess_metric(m, r.counters, r.measurements.size(), last_done, terminating);
    }
    if (!completed(r.phase)) {
      all_done = false;
      continue;
    }
    const auto limit = limit_exceeded(m, r.counters);
    if (!m.dry_run) {
      if (!worst || is_worse(*worst, r.phase)) {
        worst = r.phase;
        if (limit) {
          message = "Metric \"" + m.name + "\" assessed " + std::string(phase_name(r.phase)) +
                    " due to " + limit->message;
          if (!r.message.empty()) message += ": \"Error Message: " + r.message + "\"";
        }
      }
      bump(out.summary, limit ? limit->phase : phase::successful);
    } else {
      if (!worst) worst = phase::successful;
      if (limit) {
        r.message =
            "Metric assessed " + std::string(phase_name(r.phase)) + " due to " + limit->message;
      }
      bump(out.dry_run_summary, limit ? limit->phase : phase::successful);
    }
  }
  if (terminating) {
    out.phase = worst ? *worst : phase::successful;
    out.message = message;
  } else if (!all_done || !worst) {
    out.phase = phase::running;
  } else {
    out.phase = *worst;
    out.message = message;
  }
  return out;
}

namespace {

// generateMetricTasks' test for one metric.
bool metric_due(const threshold_metric& m, const std::optional<metric_result>& r,
                std::optional<instant> started_at, instant now, bool terminating) {
  if (r && completed(r->phase)) return false;
  const measurement* last = last_of(r);
  if (last && !last->finished_at) {
    // In flight: resume it (or, when terminating, terminate it) unless it asked to wait.
    return terminating || !last->resume_at || *last->resume_at <= now;
  }
  if (terminating) return false;
  if (!last) return !m.initial_delay || (started_at && *started_at + *m.initial_delay <= now);
  if (const auto n = effective_count(m); n && r->counters.count >= *n) return false;
  const millis wait = last->phase == phase::error ? error_retry_interval
                                                  : m.interval.value_or(error_retry_interval);
  // Due at the instant the interval ends. Argo tests `finishedAt + interval < now` and relies
  // on its requeue arriving a little later; with a virtual clock that would add a tick of
  // drift per measurement.
  return now >= *last->finished_at + wait;
}

}  // namespace

std::vector<std::size_t> due_metrics(const std::vector<threshold_metric>& metrics,
                                     const std::vector<std::optional<metric_result>>& results,
                                     std::optional<instant> started_at, instant now,
                                     bool terminate) {
  const bool terminating = is_terminating(terminate, metrics, results);
  std::vector<std::size_t> due;
  due.reserve(metrics.size());
  for (std::size_t i = 0; i < metrics.size() && i < results.size(); ++i) {
    if (metric_due(metrics[i], results[i], started_at, now, terminating)) due.push_back(i);
  }
  return due;
}

bool any_metric_due(const std::vector<threshold_metric>& metrics,
                    const std::vector<std::optional<metric_result>>& results,
                    std::optional<instant> started_at, instant now, bool terminate) {
  const bool terminating = is_terminating(terminate, metrics, results);
  for (std::size_t i = 0; i < metrics.size() && i < results.size(); ++i) {
    if (metric_due(metrics[i], results[i], started_at, now, terminating)) return true;
  }
  return false;
}

std::optional<instant> next_wake_up(const std::vector<threshold_metric>& metrics,
                                    const std::vector<std::optional<metric_result>>& results,
                                    std::optional<instant> started_at, instant now) {
  std::optional<instant> soonest;
  const auto consider = [&](instant t) {
    if (!soonest || t < *soonest) soonest = t;
  };
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const threshold_metric& m = metrics[i];
    const std::optional<metric_result> none;
    const auto& r = i < results.size() ? results[i] : none;
    if (r && completed(r->phase)) continue;
    const measurement* last = last_of(r);
    if (!last) {
      if (m.initial_delay) consider(started_at.value_or(now) + *m.initial_delay);
      continue;
    }
    if (!last->finished_at) {
      if (last->resume_at) consider(*last->resume_at);
      continue;
    }
    if (last->phase == phase::error) {
      consider(*last->finished_at + error_retry_interval);
    } else if (m.interval) {
      consider(*last->finished_at + *m.interval);
    }
  }
  return soonest;
}

void measurement_history::straighten() {
  if (first_ == 0) return;
  std::rotate(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(first_), slots_.end());
  first_ = 0;
}

void measurement_history::push_back(measurement m) {
  straighten();
  slots_.push_back(std::move(m));
}

void measurement_history::resize(std::size_t n) {
  straighten();
  slots_.resize(n);
}

void measurement_history::keep_newest(std::size_t limit) {
  if (slots_.size() <= limit) return;
  straighten();
  slots_.erase(slots_.begin(), slots_.end() - static_cast<std::ptrdiff_t>(limit));
}

void measurement_history::add(measurement m, std::size_t limit) {
  keep_newest(limit);
  if (slots_.size() == limit) {  // full: the newest takes the oldest's slot
    slots_[first_] = std::move(m);
    first_ = first_ + 1 == limit ? 0 : first_ + 1;
    return;
  }
  // Not full, so not wrapped (first_ is 0): grown by steps, never past `limit` slots.
  if (slots_.size() == slots_.capacity())
    slots_.reserve(std::min(limit, std::max<std::size_t>(4, 2 * slots_.size())));
  slots_.push_back(std::move(m));
}

void trim_measurements(metric_result& r, std::size_t limit) {
  r.measurements.keep_newest(limit == 0 ? default_measurement_retention : limit);
}

void add_measurement(metric_result& r, measurement m, std::size_t limit) {
  if (!r.measurements.empty()) r.measurements.back().evidence.reset();
  r.measurements.add(std::move(m), limit == 0 ? default_measurement_retention : limit);
}

rollout_reaction react_to_run(analysis_kind kind, phase run_phase, const std::string& message) {
  using action = rollout_reaction::action;
  static const char* const labels[] = {"Step-based analysis", "Background analysis",
                                       "Blue/green pre-promotion analysis",
                                       "Blue/green post-promotion analysis"};
  rollout_reaction r;
  switch (run_phase) {
    case phase::failed:
    case phase::error:
      r.what = action::abort;
      r.reason = std::string(labels[static_cast<int>(kind)]) + " phase error/failed: " + message;
      r.switch_back = kind == analysis_kind::post_promotion;
      return r;
    case phase::inconclusive:
      r.what = action::pause_inconclusive;
      return r;
    case phase::successful:
      r.what = kind == analysis_kind::background ? action::none : action::advance;
      return r;
    default:
      r.what = kind == analysis_kind::background ? action::none : action::wait;
      return r;
  }
}

std::string describe(const rollout_reaction& r) {
  using action = rollout_reaction::action;
  switch (r.what) {
    case action::none:
      return "none";
    case action::wait:
      return "wait";
    case action::advance:
      return "advance";
    case action::pause_inconclusive:
      return "pause(InconclusiveAnalysis)";
    case action::abort:
      return "abort('" + r.reason + "')" +
             (r.switch_back ? " -> active switched back to stable" : "");
  }
  return "?";
}

}  // namespace floodgate::core
