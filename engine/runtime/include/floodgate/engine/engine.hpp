#pragma once
// The live engine: every rollout a coroutine on a strand of one io_context; each wake-up fans
// out the due metrics through the metrics port with a deadline, has the comparison looks judged
// (in one batch with the other ticks' that came in meanwhile), feeds the controller, writes the
// tick to the journal (fsync'd at once when it decided something; with the others within
// journal_flush when it did not), and only then asks the router for the new weight. Human
// commands (approve, abort) are queued to the rollout and taken between ticks, journaled the
// same way. On start the journal is replayed: finished rollouts are history, unfinished ones
// resume where they stopped (the router is set again to the journal's weight — a router call
// sets, never adds). A router that keeps failing aborts the rollout (or holds it, by option);
// a journal that cannot be written stops the rollout before any router call.
//
// Asio stays in the source file. Run the io_context on one thread.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <floodgate/core/decision.hpp>
#include <floodgate/engine/session.hpp>
#include <floodgate/providers/ports/metrics_source.hpp>
#include <floodgate/providers/ports/traffic_router.hpp>

namespace boost::asio {
class io_context;
}

namespace floodgate::engine {

struct engine_options {
  std::string journal_path = "floodgate-journal.jsonl";
  core::millis tick_deadline{60000};  ///< a metric with no answer by then is an Error
  core::millis router_deadline{120000};
  enum class router_failure { abort, hold } on_router_failure = router_failure::abort;
  core::millis router_hold_retry{10000};  ///< hold: how often routing is tried again
  /// Ticks that decided nothing are fsync'd together at most this long after they are written
  /// (decisions, commands and routing are fsync'd at once, before the router is called).
  core::millis journal_flush{1000};
  /// A tick woken at most this late happens at the instant it was due (what a replay in virtual
  /// time reproduces); a later one happens when it is woken.
  core::millis tick_lateness{1000};
  /// The comparison looks of every tick whose answers came in within one turn of the
  /// io_context (between a tick's last answer and its coroutine's resumption), across rollouts
  /// and metrics, are judged in one batch by the first of those ticks to resume
  /// (core::compare_batch: the same verdicts as one by one); each rollout's controller then
  /// decides on its own strand. No tick waits for another. Off: each look is judged by its
  /// rollout's controller (for measuring the difference).
  bool batch_comparisons = true;
};

/// What the engine tells its owner (the terminal display, the API's event stream, logs).
struct engine_events {
  std::function<void(const std::string& id, const core::decision&)> decision;
  std::function<void(const std::string& id, const std::string& line)> status;  ///< each tick
  std::function<void(const std::string& id, const std::string& message)> warning;
  std::function<void(const std::string& id, core::rollout_status)> finished;
  std::function<void(double seconds)> journal_fsync;  ///< each journal fsync, for /metrics
  /// Each tick that measured: the time from its wake-up to its journal record (the queries,
  /// the judging, the controller), for /metrics.
  std::function<void(double seconds)> tick;
};

/// A rollout as the API shows it.
struct rollout_view {
  std::string id;
  std::string plan;
  std::string plan_hash;
  core::rollout_status status = core::rollout_status::progressing;
  int weight = 0;          ///< what the controller decided
  int routed_weight = -1;  ///< what the router last confirmed (-1: not yet)
  std::size_t step = 0;
  std::string version;     ///< the version under test
  std::string started_by;  ///< who started it
  core::instant started_at{};
  std::vector<metric_view> metrics;
  std::string summary;       ///< session::describe()
  std::string router_error;  ///< the last routing failure, or ""
  std::vector<core::decision> decisions;
  bool finished = false;
  bool waiting_for_human = false;  ///< an indefinite or inconclusive pause
};

class engine {
 public:
  /// `router` may be null (decisions are only recorded). The ports must outlive the engine.
  engine(boost::asio::io_context& io, providers::ports::metrics_source& metrics,
         providers::ports::traffic_router* router, engine_options options, engine_events events);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Reads the journal and resumes every unfinished rollout. Returns the warnings (a torn last
  /// line dropped); throws std::runtime_error when the journal is damaged or a rollout cannot
  /// be rebuilt, before anything runs.
  std::vector<std::string> recover();

  /// Why a rollout did not start: its spec (a bad plan, a missing argument, no id), its id
  /// (another with it is running), or the engine (shutting down, the journal unwritable).
  struct refusal {
    enum class cause { spec, id_in_use, unavailable } why = cause::spec;
    std::string message;
  };
  /// Starts a rollout now; why not, or nothing.
  std::optional<refusal> start(rollout_spec spec);
  std::optional<std::string> approve(const std::string& id, const std::string& who);
  std::optional<std::string> abort(const std::string& id, const std::string& who);

  std::optional<rollout_view> get(const std::string& id) const;
  /// Every rollout, in brief: `metrics` and `decisions` are left empty (get() fills them).
  std::vector<rollout_view> list() const;
  /// How many rollouts are neither promoted nor aborted (cheap: for /metrics).
  std::size_t active() const;

  /// Stops taking work, lets every tick in flight finish, and calls `done` when every rollout
  /// coroutine has ended (the journal is written record by record; nothing is left to flush).
  void drain(std::function<void()> done);

  /// Counters for /metrics.
  struct counters {
    std::uint64_t decisions = 0;
    std::uint64_t query_errors = 0;
    std::uint64_t router_errors = 0;
    double last_fsync_us = 0.0;
    std::uint64_t judged_batches = 0;  ///< batches of comparison looks judged together
    std::uint64_t judged_looks = 0;    ///< the looks in them
  };
  counters stats() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace floodgate::engine
