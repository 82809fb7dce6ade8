#include <floodgate/sim/replay.hpp>
#include <stdexcept>

namespace floodgate::sim {

// The live engine's loop (engine/runtime/src/engine.cpp, run()) without the router and the
// journal: wake at the instant asked for, measure what is due, advance.

std::variant<replay_run, std::string> replay_run::start(engine::rollout_spec spec,
                                                        const replay_options& options,
                                                        engine::plan_cache* cache) {
  auto started = engine::session::start(std::move(spec), options.start, cache);
  if (auto* e = std::get_if<std::string>(&started)) return std::move(*e);
  return replay_run(std::move(std::get<engine::session>(started)), options);
}

replay_run::replay_run(engine::session s, const replay_options& options)
    : s_(std::move(s)), options_(options), next_(options.start), now_(options.start) {
  if (const auto* c = std::get_if<config::canary_strategy>(&s_.plan().strategy)) {
    out_.steps = c->plan.steps.size();
  } else {
    out_.steps = 4;
  }
  out_.plan = s_.plan().name;
  weight_ = s_.weight();
  settle();
}

void replay_run::settle() {
  if (s_.finished()) {
    out_.ended = core::rollout_status_name(s_.status());
  } else if (!next_) {
    out_.ended = "waiting for a human";
  } else if (options_.until && *next_ > *options_.until) {
    out_.ended = "the recorded data ends";
    now_ = *options_.until;
  } else if (ticks_ >= options_.max_ticks) {
    out_.ended = "max ticks reached";
  } else {
    return;
  }
  next_.reset();
  out_.status = s_.status();
  out_.weight = s_.weight();
  out_.step = s_.step();
  out_.ended_at = now_;
}

void replay_run::due(std::vector<due_query>& out, query_memo* memo) const {
  out.clear();
  if (!next_) return;
  const core::instant at = *next_;
  const auto requests = s_.due(at);
  out.reserve(requests.size());
  for (const auto& r : requests) {
    auto render = [&] { return s_.query_for(r, at); };
    out.push_back({r, s_.metric_name(r),
                   memo ? memo->get(at, s_.render_key_of(r, at), render)
                        : std::make_shared<const rendered_query>(render())});
  }
}

void replay_run::tick(const std::vector<due_query>& asked,
                      std::vector<providers::ports::metric_answer>& answers) {
  if (!next_) return;
  now_ = *next_;
  replay_tick t;
  t.at = now_;
  t.step = s_.step();
  t.weight = s_.weight();
  if (answers.size() != asked.size())
    throw std::invalid_argument("replay_run::tick: one answer per request asked");
  auto& obs = options_.decisions_only ? observations_ : t.observations;
  obs.clear();
  obs.reserve(asked.size());
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const auto& r = asked[i].request;
    if (const auto* e = std::get_if<std::string>(asked[i].query.get())) {
      obs.push_back({r, *e, ""});
    } else {
      obs.push_back({r, std::move(answers[i].result), std::move(answers[i].value_text)});
    }
  }
  auto result = s_.advance(now_, obs, options_.decisions_only ? nullptr : &t.looks);
  ++ticks_;
  next_ = result.next_wake_up;
  if (s_.weight() != weight_) {
    weight_ = s_.weight();
    if (options_.on_weight) options_.on_weight(now_, weight_);
  }
  out_.decisions.insert(out_.decisions.end(), result.decisions.begin(), result.decisions.end());
  if (!options_.decisions_only) {
    t.decisions = std::move(result.decisions);
    out_.ticks.push_back(std::move(t));
  }
  settle();
}

std::variant<replay_result, std::string> replay(engine::rollout_spec spec,
                                                const replay_options& options,
                                                const answer_fn& answer,
                                                engine::plan_cache* cache) {
  auto started = replay_run::start(std::move(spec), options, cache);
  if (auto* e = std::get_if<std::string>(&started)) return std::move(*e);
  auto& run = std::get<replay_run>(started);
  std::vector<replay_run::due_query> asked;
  std::vector<providers::ports::metric_answer> answers;
  while (const auto at = run.next()) {
    run.due(asked);
    answers.clear();
    for (const auto& d : asked) {
      if (const auto* q = std::get_if<providers::ports::metric_query>(d.query.get())) {
        answers.push_back(answer(d.metric, *q, *at));
      } else {
        answers.emplace_back();
      }
    }
    run.tick(asked, answers);
  }
  return std::move(run).take();
}

}  // namespace floodgate::sim
