#pragma once
// Runs of a plan on a scenario advanced in lockstep, up to promql::lane_width of them at once:
// each run has its own traffic (its seed) and its own controller, and at every instant at which
// some of them tick, each distinct query they ask is evaluated once for all of them
// (promql::lane_evaluator — the labels worked on once, the numbers lane by lane) and each run
// takes its own lane's answer. A run's result is the one scenario_simulator::run gives for its
// seed, decision for decision (tests/sim/lockstep_test.cpp); the Monte Carlo makes its runs
// this way.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/providers/recorded/promql_source.hpp>
#include <floodgate/sim/replay.hpp>
#include <floodgate/sim/scenario_run.hpp>

namespace floodgate::sim {

class lockstep_simulator {
 public:
  lockstep_simulator(engine::rollout_spec spec, const config::scenario& s, core::instant start,
                     core::millis lookback = core::millis{300000});
  ~lockstep_simulator();
  lockstep_simulator(const lockstep_simulator&) = delete;
  lockstep_simulator& operator=(const lockstep_simulator&) = delete;

  /// One run per seed (at most promql::lane_width), in lockstep. `keep_first_ticks` keeps
  /// every tick of the first run (a report); the others keep their decisions. The error says
  /// why the plan cannot start.
  std::variant<std::vector<replay_result>, std::string> run(std::span<const std::uint64_t> seeds,
                                                            bool keep_first_ticks = false);
  /// The outcome of the run made on lane `lane` (its index in the seeds), just made.
  run_outcome outcome(std::size_t lane, const replay_result& r) const;

 private:
  class lanes_view;
  struct lane_state;
  engine::rollout_spec spec_;
  engine::plan_cache cache_{true};
  std::unique_ptr<lanes_view> view_;  ///< every lane's scrapes
  std::unique_ptr<providers::recorded::lane_source> source_;
  std::vector<std::unique_ptr<lane_state>> lanes_;
};

}  // namespace floodgate::sim
