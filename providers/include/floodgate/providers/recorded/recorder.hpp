#pragma once
// A recording of what a live rollout's Prometheus answered, in the CSV format the replay reads
// (`timestamp,metric,labels,value`): one row per series of each instant query's answer, keyed
// by the query's text, at the instant it was evaluated. A series that was in the query's last
// answer and is not in this one gets a `stale` row, as Prometheus writes a staleness marker, so
// a replay sees the same empty answer; an empty answer with nothing to mark gets a `stale` row
// without labels (the query was asked and found nothing). A scalar answer is a row without
// labels (a replay gives it back as a one-element vector). Error answers are not rows: a replay
// sees the newest value within the lookback instead.

#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <string_view>

#include <floodgate/core/duration.hpp>

namespace floodgate::providers::recorded {

class csv_recorder {
 public:
  /// Writes the header at once; `out` must outlive the recorder.
  explicit csv_recorder(std::ostream& out);
  /// One answer (the body of /api/v1/query): a vector's series or a scalar. Any other body
  /// (an error, a matrix, malformed JSON) adds nothing. Thread-safe.
  void add(std::string_view promql, core::instant at, std::string_view body);

 private:
  std::mutex mutex_;
  std::ostream& out_;
  std::map<std::string, std::set<std::string>, std::less<>> last_;  ///< query → label sets
};

}  // namespace floodgate::providers::recorded
