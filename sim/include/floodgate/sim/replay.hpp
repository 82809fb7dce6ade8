#pragma once
// A rollout replayed in virtual time: the same session the live engine drives (the plan, the
// controller, the queries rendered with their arguments and `{{elapsed}}`), woken at exactly
// the instants the controller asks for, its measurements answered by a function instead of
// Prometheus — recorded series (providers/recorded/replay_source.hpp) or synthetic traffic. No
// router: a weight is in force the moment it is decided. Fed the answers a live rollout got, it
// takes the live rollout's decisions at the live rollout's instants.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/engine/session.hpp>

namespace floodgate::sim {

/// The answer to a rendered query of the plan's metric `metric` at an instant.
using answer_fn = std::function<providers::ports::metric_answer(
    const std::string& metric, const providers::ports::metric_query& q, core::instant at)>;

struct replay_options {
  core::instant start;                 ///< the rollout starts (and first looks) here
  std::optional<core::instant> until;  ///< no tick after this (the end of the recorded data)
  std::size_t max_ticks = 1000000;     ///< a bound, reported when reached
  /// Told each new weight at the instant it is decided (synthetic traffic follows it).
  std::function<void(core::instant, int)> on_weight;
  /// Keep only the decisions, not each tick (Monte Carlo runs).
  bool decisions_only = false;
};

/// One interval: what was measured, every metric's state after it, what was decided.
struct replay_tick {
  core::instant at;
  std::size_t step = 0;  ///< before the tick
  int weight = 0;        ///< before the tick
  std::vector<core::observation> observations;
  /// What each observation became (a comparison look with its statistics).
  std::vector<core::metric_look> looks;
  std::vector<core::decision> decisions;
};

struct replay_result {
  std::string plan;  ///< the plan's name
  std::vector<replay_tick> ticks;
  std::vector<core::decision> decisions;  ///< every tick's, in order
  core::rollout_status status = core::rollout_status::progressing;
  int weight = 0;
  std::size_t step = 0;
  std::size_t steps = 0;  ///< the plan's steps (a canary's; blue-green: its 4 stages)
  /// How the replay ended: "promoted", "aborted", "waiting for a human", "the recorded data
  /// ends" (or the scenario's duration), "max ticks reached".
  std::string ended;
  core::instant ended_at;
};

/// A replay advanced tick by tick by its caller: `replay` drives one to its end; the Monte Carlo
/// drives many in lockstep, answering the queries of every run that ticks at an instant
/// together.
class replay_run {
 public:
  /// The error says why the rollout cannot start (the plan's, as `floodgate run` would report
  /// it). With `cache`, runs of the same files share one loaded plan.
  static std::variant<replay_run, std::string> start(engine::rollout_spec spec,
                                                     const replay_options& options,
                                                     engine::plan_cache* cache = nullptr);

  /// The instant of the next tick; nothing once the replay has ended.
  std::optional<core::instant> next() const { return next_; }

  /// A rendered query, or why it cannot be rendered.
  using rendered_query = std::variant<providers::ports::metric_query, std::string>;
  /// A request due at the next tick, with its query.
  struct due_query {
    core::metric_request request;
    std::string metric;  ///< the plan's name for it
    std::shared_ptr<const rendered_query> query;
  };
  /// Queries rendered at one instant by runs started from one spec through one plan cache (a
  /// lockstep group): equal render keys (engine::session::render_key) render alike, so each is
  /// rendered once and shared.
  class query_memo {
   public:
    /// The rendering of `key` at `at`, made by `render` the first time it is asked for.
    template <typename F>
    std::shared_ptr<const rendered_query> get(core::instant at,
                                              const engine::session::render_key& key, F&& render) {
      if (at != at_) {
        at_ = at;
        made_.clear();
      }
      for (const auto& [k, q] : made_)
        if (k == key) return q;
      return made_.emplace_back(key, std::make_shared<const rendered_query>(render())).second;
    }

   private:
    core::instant at_ = core::instant::min();
    std::vector<std::pair<engine::session::render_key, std::shared_ptr<const rendered_query>>>
        made_;
  };
  /// What the next tick measures; with `memo`, renderings shared with the memo's other runs.
  /// Written into `out` (cleared first; its room kept from look to look).
  void due(std::vector<due_query>& out, query_memo* memo = nullptr) const;
  /// Takes the next tick: `asked` is what due() gave, `answers` one answer per request in the
  /// same order (a query that could not be rendered was not asked: its answer is not read);
  /// the answers' results and texts are moved out.
  void tick(const std::vector<due_query>& asked,
            std::vector<providers::ports::metric_answer>& answers);

  /// Everything, and how the replay ended.
  replay_result take() && { return std::move(out_); }

 private:
  replay_run(engine::session s, const replay_options& options);
  /// Whether another tick is due, and if not, why the replay ended.
  void settle();

  engine::session s_;
  replay_options options_;
  replay_result out_;
  std::optional<core::instant> next_;
  core::instant now_;
  std::size_t ticks_ = 0;
  int weight_ = 0;
  /// A tick's observations when only decisions are kept (their room kept from tick to tick).
  std::vector<core::observation> observations_;
};

/// Replays the rollout `spec` (its files, plan, arguments) from `options.start`. The error says
/// why it cannot start (the plan's, as `floodgate run` would report it). With `cache`, runs
/// of the same files share one loaded plan (Monte Carlo).
std::variant<replay_result, std::string> replay(engine::rollout_spec spec,
                                                const replay_options& options,
                                                const answer_fn& answer,
                                                engine::plan_cache* cache = nullptr);

}  // namespace floodgate::sim
