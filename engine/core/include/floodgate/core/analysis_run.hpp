#pragma once
// An analysis run as Argo Rollouts runs one (analysis/analysis.go): per-metric results, the
// run's phase by worst-of aggregation with dry-run metrics set aside, fast-fail termination,
// scheduling of the next measurements, measurement retention, and what a rollout does with the
// run's phase (rollout/analysis.go). Pure: time comes in as an argument.

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <floodgate/core/comparison.hpp>
#include <floodgate/core/duration.hpp>
#include <floodgate/core/phase.hpp>
#include <floodgate/core/threshold_metric.hpp>

namespace floodgate::core {

/// One measurement in a metric's history. An unfinished one (no finished_at) is in flight. A
/// comparison look with insufficient data is finished with phase Running: it counts nothing and
/// the metric keeps measuring.
struct measurement {
  core::phase phase = phase::running;
  /// Comparison metrics: the look's statistics — the newest measurement's only (see
  /// add_measurement); shared, so that copying a state does not copy them.
  std::shared_ptr<const comparison_verdict> evidence;
  std::string message;
  core::value_text value;  ///< the provider value as Argo renders it ("[0.99]")
  std::optional<instant> finished_at;
  std::optional<instant> resume_at;  ///< asynchronous providers: poll again then

  /// A comparison look that found too little data.
  bool insufficient() const {
    return evidence && evidence->outcome == comparison_outcome::insufficient;
  }
};

/// A metric's newest measurements, read oldest first. Held as a ring once full: adding to a
/// full history overwrites its oldest slot and moves nothing else (a vector would shift every
/// measurement, two strings each, at every look). Never more slots than it is asked to keep.
class measurement_history {
 public:
  bool empty() const { return slots_.empty(); }
  std::size_t size() const { return slots_.size(); }
  std::size_t capacity() const { return slots_.capacity(); }
  /// The i-th oldest (0 = the oldest).
  const measurement& operator[](std::size_t i) const { return slots_[slot(i)]; }
  measurement& operator[](std::size_t i) { return slots_[slot(i)]; }
  const measurement& back() const { return (*this)[size() - 1]; }
  measurement& back() { return (*this)[size() - 1]; }
  /// Appends without a limit (a history built by hand; see add_measurement for a metric's).
  void push_back(measurement m);
  void resize(std::size_t n);
  /// Keeps the newest `limit`.
  void keep_newest(std::size_t limit);
  /// Appends, keeping the newest `limit` (> 0).
  void add(measurement m, std::size_t limit);

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = measurement;
    using difference_type = std::ptrdiff_t;
    using pointer = const measurement*;
    using reference = const measurement&;
    const_iterator() = default;
    const_iterator(const measurement_history* h, std::size_t i) : h_(h), i_(i) {}
    reference operator*() const { return (*h_)[i_]; }
    pointer operator->() const { return &(*h_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const auto before = *this;
      ++i_;
      return before;
    }
    bool operator==(const const_iterator&) const = default;

   private:
    const measurement_history* h_ = nullptr;
    std::size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

 private:
  std::size_t slot(std::size_t i) const {
    const std::size_t s = first_ + i;
    return s < slots_.size() ? s : s - slots_.size();
  }
  void straighten();  ///< the oldest back to slot 0
  std::vector<measurement> slots_;
  std::size_t first_ = 0;  ///< the oldest's slot: not 0 only while full
};

/// A metric's status within a run (Argo MetricResult).
struct metric_result {
  core::phase phase = phase::pending;  ///< stored phase; completed phases are sticky
  metric_counters counters;
  measurement_history measurements;    ///< oldest first
  std::string message;                 ///< the last measurement's message
  bool insufficient_resolved = false;  ///< max_time reached while insufficient, resolved
};

/// Per-metric tallies of a run (Argo RunSummary): count = number of metrics, buckets count
/// completed metrics by their limit verdict.
struct run_summary {
  std::int64_t count = 0;
  std::int64_t successful = 0;
  std::int64_t failed = 0;
  std::int64_t inconclusive = 0;
  std::int64_t error = 0;
};

struct run_assessment {
  core::phase phase = phase::running;
  std::string message;
  run_summary summary;
  run_summary dry_run_summary;
};

/// IsTerminating: asked to stop, or a wet (non-dry-run) metric's stored phase is Failed, Error
/// or Inconclusive.
bool is_terminating(bool terminate, const std::vector<threshold_metric>& metrics,
                    const std::vector<std::optional<metric_result>>& results);

/// assessRunStatus: one pass. Updates each started metric's stored phase (results[i] is the
/// result of metrics[i], or nothing when it has not started) and returns the run's phase,
/// message and summaries. Termination is computed from the phases stored before the pass.
run_assessment assess_run(const std::vector<threshold_metric>& metrics,
                          std::vector<std::optional<metric_result>>& results, bool terminate);

/// generateMetricTasks: indices of the metrics to measure (or resume) at `now`.
std::vector<std::size_t> due_metrics(const std::vector<threshold_metric>& metrics,
                                     const std::vector<std::optional<metric_result>>& results,
                                     std::optional<instant> started_at, instant now,
                                     bool terminate);

/// Whether due_metrics would name any metric (without building the list).
bool any_metric_due(const std::vector<threshold_metric>& metrics,
                    const std::vector<std::optional<metric_result>>& results,
                    std::optional<instant> started_at, instant now, bool terminate);

/// calculateNextReconcileTime: the earliest time a metric wants attention, or nothing.
std::optional<instant> next_wake_up(const std::vector<threshold_metric>& metrics,
                                    const std::vector<std::optional<metric_result>>& results,
                                    std::optional<instant> started_at, instant now);

/// Keeps the newest `limit` measurements (0 = Argo's default, 10). Counters are untouched.
void trim_measurements(metric_result& r, std::size_t limit);
inline constexpr std::size_t default_measurement_retention = 10;

/// Appends the newest measurement, keeping the newest `limit` (trim_measurements). The one it
/// follows becomes history and gives up its evidence: only the newest look's statistics are
/// read (the decision's reason, the API), and the journal keeps every observation they came
/// from. The history never holds more than `limit`, so 10 000 rollouts do not each carry a
/// vector grown to 16.
void add_measurement(metric_result& r, measurement m,
                     std::size_t limit = default_measurement_retention);

/// Which analysis of a rollout a run is.
enum class analysis_kind { step, background, pre_promotion, post_promotion };

/// What the rollout does when it sees a run in a phase.
struct rollout_reaction {
  enum class action { none, wait, advance, pause_inconclusive, abort } what = action::none;
  std::string reason;        ///< abort reason, with the run's message
  bool switch_back = false;  ///< post-promotion abort: the active service returns to stable
};

rollout_reaction react_to_run(analysis_kind kind, phase run_phase, const std::string& message);

/// "pause(InconclusiveAnalysis)", "abort('<reason>')", "none", ...
std::string describe(const rollout_reaction& r);

}  // namespace floodgate::core
