#pragma once
// One rollout as the runtime drives it, without Asio: the loaded plan, the controller's state,
// the rendering of each due metric into a query (arguments and `{{elapsed}}`), and the journal
// records that let it be rebuilt exactly. A session is deterministic: fed the same observations
// at the same instants it makes the same decisions — which is how a restart resumes it (the
// journal's ticks are fed again) and how a replay reproduces a live run.

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/config/load.hpp>
#include <floodgate/core/blue_green.hpp>
#include <floodgate/core/canary_controller.hpp>
#include <floodgate/providers/ports/metrics_source.hpp>

namespace floodgate::engine {

/// What a rollout is started from; kept whole in the journal's start record.
struct rollout_spec {
  std::string id;
  std::vector<config::source_file> files;   ///< the plan files' text, as loaded
  std::string plan;                         ///< which plan of the files; "" = the only one
  std::map<std::string, std::string> args;  ///< run-time arguments (and overrides)
  std::string prometheus;                   ///< when set, every Prometheus metric's address
  std::string version;                      ///< the version under test (audit)
  std::string started_by;                   ///< who started it (audit)
};

nlohmann::ordered_json spec_to_json(const rollout_spec& s);
std::variant<rollout_spec, std::string> spec_from_json(const nlohmann::json& j);

/// An observation as the journal keeps it, and back.
nlohmann::ordered_json observation_to_json(const core::observation& o);
std::variant<core::observation, std::string> observation_from_json(const nlohmann::json& j);

/// One metric of the current analysis as the API shows it: its phase, its counters and its
/// latest measurement (a comparison's statistics, n against the n the sample-size model asks).
struct metric_view {
  std::string name;
  bool background = false;
  std::string phase;  ///< "Pending", "Running", ..., or "insufficient" for a comparison look
  core::metric_counters counters;
  std::string latest;   ///< the latest measurement's phase, or "" before the first
  std::string value;    ///< the latest measurement's value ("[0.99]")
  std::string message;  ///< the latest measurement's message (an Error's reason)
  std::shared_ptr<const core::comparison_verdict> evidence;  ///< the newest look's, shared
};

/// A plan loaded and checked for live use, shared by every session started from the same files,
/// plan name and Prometheus address: 10 000 rollouts of one plan hold one copy of it.
struct loaded_plan {
  std::vector<config::source_file> files;
  std::string name;        ///< rollout_spec::plan as asked ("" = the only one)
  std::string prometheus;  ///< rollout_spec::prometheus
  config::plan plan;       ///< a standalone analysis is held as a one-step canary
  std::string hash;        ///< FNV-1a of the files' names and text
};

/// The loaded plans sessions share, by their files' hash (and then compared in full). Holds
/// them weakly: a plan lives as long as a session uses it — or, when `retain`, as long as the
/// cache (a simulator starting one session after another). Not thread-safe: one owner (the
/// engine, on its io thread; a simulator's thread).
class plan_cache {
 public:
  explicit plan_cache(bool retain = false) : retain_(retain) {}
  std::shared_ptr<const loaded_plan> find(const rollout_spec& spec, const std::string& hash);
  /// Adds a plan, and forgets the plans no session uses any more.
  void add(const std::shared_ptr<const loaded_plan>& p);
  std::size_t size() const { return by_hash_.size(); }

 private:
  std::multimap<std::string, std::weak_ptr<const loaded_plan>> by_hash_;
  bool retain_ = false;
  std::vector<std::shared_ptr<const loaded_plan>> retained_;
};

class session {
 public:
  /// Loads the plan (or takes it from `cache`, and adds it there) and checks it can run live.
  /// The error names the file or what is missing.
  static std::variant<session, std::string> start(rollout_spec spec, core::instant now,
                                                  plan_cache* cache = nullptr);

  /// The spec the session was started from, without its files (they are in files()).
  const rollout_spec& spec() const { return spec_; }
  const std::vector<config::source_file>& files() const { return loaded_->files; }
  const config::plan& plan() const { return loaded_->plan; }
  /// FNV-1a of the plan files' text: which plan a journal's decisions were taken under.
  const std::string& plan_hash() const { return loaded_->hash; }
  core::instant started_at() const { return started_at_; }

  std::vector<core::metric_request> due(core::instant now) const;
  /// The query for a due request, rendered; or why it cannot be (a missing argument), which
  /// the caller records as an error observation.
  std::variant<providers::ports::metric_query, std::string> query_for(const core::metric_request& r,
                                                                      core::instant now) const;
  /// The comparison a request's metric makes (what judges its answer), or null: a metric with
  /// conditions, or no such metric.
  const core::comparison_metric* comparison_of(const core::metric_request& r) const;
  /// The metric's name for a request ("error-rate").
  std::string metric_name(const core::metric_request& r) const;
  /// What query_for's rendering depends on besides the instant and the spec's arguments: the
  /// metric's entry in the loaded plan and its run's start. Sessions started from one spec
  /// through one plan_cache render requests of equal keys alike at one instant (a simulator
  /// advancing such sessions together renders each once).
  struct render_key {
    const config::metric_spec* metric = nullptr;  ///< nothing: no such metric
    core::instant run_start;
    bool operator==(const render_key&) const = default;
  };
  render_key render_key_of(const core::metric_request& r, core::instant now) const;

  /// `looks`, when given, gets what each observation became (for reports).
  core::advance_result advance(core::instant now, const std::vector<core::observation>& obs,
                               std::vector<core::metric_look>* looks = nullptr);
  core::advance_result approve(core::instant now);
  core::advance_result abort(core::instant now, const std::string& who);

  int weight() const;
  core::rollout_status status() const;
  std::size_t step() const;
  /// Promoted or aborted: nothing more will happen.
  bool finished() const;
  /// Waiting for a human (an indefinite or inconclusive pause).
  bool waiting_for_human() const;
  /// Every metric of the analyses now running (step or pre/post-promotion, then background).
  std::vector<metric_view> metrics() const;
  /// One line for people: "step 2/6 · weight 25 % · progressing · error-rate insufficient
  /// (n 1200 of 3044, ≈ 1m32s to go)"; given `now`, with the time left (a timed pause, and the
  /// time to a comparison's required n at the rate n has grown so far).
  std::string describe(std::optional<core::instant> now = std::nullopt) const {
    return describe(metrics(), now);
  }
  /// The same from metrics() already taken.
  std::string describe(const std::vector<metric_view>& ms, std::optional<core::instant> now) const;

 private:
  session() = default;
  rollout_spec spec_;
  std::shared_ptr<const loaded_plan> loaded_;
  core::instant started_at_{};
  std::variant<core::rollout_state, core::blue_green_state> state_;

  const config::metric_spec* spec_of(const core::metric_request& r) const;
  const core::run_state* run_of(const core::metric_request& r) const;
};

}  // namespace floodgate::engine
