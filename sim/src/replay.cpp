#include <floodgate/sim/replay.hpp>

namespace floodgate::sim {

std::variant<replay_result, std::string> replay(engine::rollout_spec spec,
                                                const replay_options& options,
                                                const answer_fn& answer,
                                                engine::plan_cache* cache) {
  auto started = engine::session::start(std::move(spec), options.start, cache);
  if (auto* e = std::get_if<std::string>(&started)) return std::move(*e);
  auto& s = std::get<engine::session>(started);
  replay_result out;
  if (const auto* c = std::get_if<config::canary_strategy>(&s.plan().strategy)) {
    out.steps = c->plan.steps.size();
  } else {
    out.steps = 4;
  }
  // The live engine's loop (engine/runtime/src/engine.cpp, run()) without the router and the
  // journal: wake at the instant asked for, measure what is due, advance.
  std::optional<core::instant> next = options.start;
  core::instant now = options.start;
  std::size_t ticks = 0;
  int weight = s.weight();
  for (;;) {
    if (s.finished()) {
      out.ended = core::rollout_status_name(s.status());
      break;
    }
    if (!next) {
      out.ended = "waiting for a human";
      break;
    }
    if (options.until && *next > *options.until) {
      out.ended = "the recorded data ends";
      now = *options.until;
      break;
    }
    if (ticks >= options.max_ticks) {
      out.ended = "max ticks reached";
      break;
    }
    now = *next;
    replay_tick t;
    t.at = now;
    t.step = s.step();
    t.weight = s.weight();
    for (const auto& r : s.due(now)) {
      auto q = s.query_for(r, now);
      if (auto* e = std::get_if<std::string>(&q)) {
        t.observations.push_back({r, *e, ""});
      } else {
        auto a = answer(s.metric_name(r), std::get<providers::ports::metric_query>(q), now);
        t.observations.push_back({r, std::move(a.result), std::move(a.value_text)});
      }
    }
    auto result = s.advance(now, t.observations, options.decisions_only ? nullptr : &t.looks);
    ++ticks;
    next = result.next_wake_up;
    if (s.weight() != weight) {
      weight = s.weight();
      if (options.on_weight) options.on_weight(now, weight);
    }
    out.decisions.insert(out.decisions.end(), result.decisions.begin(), result.decisions.end());
    if (!options.decisions_only) {
      t.decisions = std::move(result.decisions);
      out.ticks.push_back(std::move(t));
    }
  }
  out.status = s.status();
  out.weight = s.weight();
  out.step = s.step();
  out.ended_at = now;
  out.plan = s.plan().name;
  return out;
}

}  // namespace floodgate::sim
