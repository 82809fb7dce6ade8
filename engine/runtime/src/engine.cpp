#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <floodgate/engine/engine.hpp>
#include <floodgate/engine/journal.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <map>
#include <stdexcept>

namespace floodgate::engine {

namespace asio = boost::asio;
using ojson = nlohmann::ordered_json;
using strand_t = asio::strand<asio::io_context::executor_type>;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kept_decisions = 200;  // per rollout, for the API; the journal has all

core::instant clock_now() {
  return std::chrono::time_point_cast<core::millis>(std::chrono::system_clock::now());
}

// The fields every journal record starts with.
ojson record_head(const char* type, const std::string& id, core::instant at) {
  ojson r;
  r["type"] = type;
  r["rollout"] = id;
  r["at_ms"] = at.time_since_epoch().count();
  return r;
}

ojson decisions_json(const std::vector<core::decision>& ds) {
  ojson a = ojson::array();
  for (const auto& d : ds) a.push_back(providers::ports::decision_to_json(d));
  return a;
}

// Whether a replayed step made the decisions the journal says it made.
bool same_decisions(const std::vector<core::decision>& made, const nlohmann::json& recorded) {
  if (!recorded.is_array() || recorded.size() != made.size()) return false;
  for (std::size_t i = 0; i < made.size(); ++i) {
    std::string error;
    const auto d = providers::ports::decision_from_json(recorded[i], error);
    if (!d || d->kind != made[i].kind || d->weight != made[i].weight || d->step != made[i].step ||
        d->at != made[i].at)
      return false;
  }
  return true;
}

struct command {
  enum class kind { approve, abort } what;
  std::string who;
};

struct rollout_entry {
  rollout_entry(asio::io_context& io, session s)
      : sess(std::move(s)),
        strand(asio::make_strand(io)),
        wake(strand),
        next_wake_up(sess.started_at()) {}
  session sess;
  strand_t strand;
  asio::steady_timer wake;
  int routed_weight = -1;
  std::string router_error;
  std::deque<core::decision> decisions;
  std::deque<command> commands;
  std::optional<core::instant> next_wake_up;  ///< nothing: waiting for a human
  bool ended = false;                         ///< an `end` record is in the journal
};

}  // namespace

struct engine::impl : std::enable_shared_from_this<engine::impl> {
  asio::io_context& io;
  providers::ports::metrics_source& metrics;
  providers::ports::traffic_router* router;
  engine_options opt;
  engine_events events;
  std::unique_ptr<journal> log;
  std::map<std::string, std::shared_ptr<rollout_entry>> rollouts;
  plan_cache plans;  // rollouts of one plan share it
  counters stats;
  asio::steady_timer flush_timer{io};
  bool draining = false;
  int active = 0;
  std::function<void()> drained;
  // A tick's answers as they come in, on its rollout's strand.
  struct gather {
    std::shared_ptr<rollout_entry> r;
    std::vector<std::optional<core::observation>> got;
    std::size_t waiting = 0;
    bool closed = false;  ///< the tick went on; a late answer is dropped
    bool judged = false;  ///< its comparison looks carry their verdicts
  };
  // Ticks whose answers are all in, with comparison looks not yet judged.
  std::vector<std::shared_ptr<gather>> to_judge;

  impl(asio::io_context& i, providers::ports::metrics_source& m,
       providers::ports::traffic_router* r, engine_options o, engine_events e)
      : io(i), metrics(m), router(r), opt(std::move(o)), events(std::move(e)) {}

  void warn(const std::string& id, const std::string& message) {
    if (events.warning) events.warning(id, message);
  }

  // Writes one record; on failure the rollout must not go on to the router. A record that
  // carries no decision may be `deferred`: it is fsync'd with the next durable record or by the
  // flush timer (opt.journal_flush), so 10 000 rollouts do not cost 1 000 fsyncs a second.
  bool record(const std::string& id, ojson r, bool deferred = false) {
    if (!log) log = std::make_unique<journal>(opt.journal_path, 1);
    const bool had_unsynced = log->unsynced();
    if (auto e = log->append(std::move(r),
                             deferred ? journal::durability::deferred : journal::durability::now)) {
      warn(id, *e);
      return false;
    }
    if (deferred) {
      if (!had_unsynced) schedule_flush();
      return true;
    }
    fsynced();
    return true;
  }

  void fsynced() {
    stats.last_fsync_us = log->last_fsync_us();
    if (events.journal_fsync) events.journal_fsync(stats.last_fsync_us / 1e6);
  }

  // The deferred records of the last moments reach the disk.
  void flush(const std::string& id) {
    if (!log || !log->unsynced()) return;
    if (auto e = log->flush())
      warn(id, *e);
    else
      fsynced();
  }

  void schedule_flush() {
    flush_timer.expires_after(opt.journal_flush);
    flush_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->flush("");
    });
  }

  void remember(rollout_entry& r, const std::vector<core::decision>& ds, bool announce) {
    for (const auto& d : ds) {
      r.decisions.push_back(d);
      if (r.decisions.size() > kept_decisions) r.decisions.pop_front();
      if (announce) {
        ++stats.decisions;
        if (events.decision) events.decision(r.sess.spec().id, d);
      }
    }
  }

  // The API's view; `full` adds each metric's state and the decisions (a list shows neither).
  rollout_view view(const rollout_entry& r, bool full) const {
    rollout_view v;
    v.id = r.sess.spec().id;
    v.plan = r.sess.plan().name;
    v.plan_hash = r.sess.plan_hash();
    v.status = r.sess.status();
    v.weight = r.sess.weight();
    v.routed_weight = r.routed_weight;
    v.step = r.sess.step();
    v.version = r.sess.spec().version;
    v.started_by = r.sess.spec().started_by;
    v.started_at = r.sess.started_at();
    auto ms = r.sess.metrics();
    v.summary = r.sess.describe(ms, clock_now());
    v.router_error = r.router_error;
    if (full) {
      v.metrics = std::move(ms);
      v.decisions.assign(r.decisions.begin(), r.decisions.end());
    }
    v.finished = r.ended;
    v.waiting_for_human = r.sess.waiting_for_human();
    return v;
  }

  // --- the rollout's coroutine -------------------------------------------------------------

  asio::awaitable<std::vector<core::observation>> measure(std::shared_ptr<rollout_entry> r,
                                                          std::vector<core::metric_request> due,
                                                          core::instant now) {
    auto g = std::make_shared<gather>();
    g->r = r;
    g->got.resize(due.size());
    auto timer = std::make_shared<asio::steady_timer>(r->strand, opt.tick_deadline);
    for (std::size_t i = 0; i < due.size(); ++i) {
      auto q = r->sess.query_for(due[i], now);
      if (auto* e = std::get_if<std::string>(&q)) {
        g->got[i] = core::observation{due[i], *e, ""};
        continue;
      }
      ++g->waiting;
      metrics.measure(
          std::get<providers::ports::metric_query>(q),
          [self = shared_from_this(), g, timer, i,
           req = due[i]](providers::ports::metric_answer a) {
            asio::post(g->r->strand, [self, g, timer, i, req, a = std::move(a)]() mutable {
              if (g->closed) return;
              g->got[i] = core::observation{req, std::move(a.result), std::move(a.value_text)};
              if (--g->waiting > 0) return;
              timer->cancel();
              self->answered(g);
            });
          });
    }
    if (g->waiting > 0) co_await timer->async_wait(use_tuple);
    g->closed = true;
    // Every answer in: the looks of this tick and of every other whose answers came in since
    // (before their coroutines resume) are judged together, unless one of those did it first.
    if (g->waiting == 0 && !to_judge.empty() && !g->judged) judge();
    std::vector<core::observation> out;
    for (std::size_t i = 0; i < due.size(); ++i) {
      if (!g->got[i]) {
        g->got[i] = core::observation{
            due[i],
            "no answer within " + core::format_go_duration(opt.tick_deadline) + " (tick deadline)",
            ""};
      }
      if (std::holds_alternative<std::string>(g->got[i]->result)) ++stats.query_errors;
      out.push_back(std::move(*g->got[i]));
    }
    co_return out;
  }

  // A tick's answers are all in (its coroutine resumes in the io_context's next turn, as it
  // always did). With comparison looks, and batching, it joins the ticks to judge: the first of
  // them to resume judges them all in one batch — every tick whose answers came in within that
  // turn — so batching adds no turn to any tick. The sessions do not change meanwhile (commands
  // are taken between ticks), so the verdicts are the ones each controller would compute.
  void answered(const std::shared_ptr<gather>& g) {
    const auto compared = [](const std::optional<core::observation>& o) {
      return o && std::holds_alternative<core::comparison_data>(o->result);
    };
    if (opt.batch_comparisons && std::any_of(g->got.begin(), g->got.end(), compared))
      to_judge.push_back(g);
  }

  void judge() {
    const auto batch = std::move(to_judge);
    to_judge.clear();
    std::vector<const core::comparison_metric*> ms;
    std::vector<const core::comparison_data*> ds;
    std::vector<core::observation*> looks;
    for (const auto& g : batch) {
      for (auto& o : g->got) {
        const auto* d = o ? std::get_if<core::comparison_data>(&o->result) : nullptr;
        const auto* m = d ? g->r->sess.comparison_of(o->request) : nullptr;
        if (!m) continue;
        ms.push_back(m);
        ds.push_back(d);
        looks.push_back(&*o);  // the gather's: its tick takes it once it resumes
      }
      g->judged = true;
    }
    std::vector<core::comparison_verdict> verdicts(ms.size());
    core::compare_batch(ms, ds, verdicts);
    for (std::size_t i = 0; i < looks.size(); ++i) {
      looks[i]->verdict = std::make_shared<const core::comparison_verdict>(std::move(verdicts[i]));
    }
    ++stats.judged_batches;
    stats.judged_looks += looks.size();
  }

  // Asks the router for the session's weight; true when it confirmed.
  asio::awaitable<bool> route(std::shared_ptr<rollout_entry> r) {
    const int want = r->sess.weight();
    flush(r->sess.spec().id);  // whatever led here is on disk before the router hears of it
    if (!router) {
      r->routed_weight = want;
      co_return true;
    }
    providers::ports::route_change change;
    change.rollout = r->sess.spec().id;
    change.canary_weight = want;
    if (!r->decisions.empty()) change.because = r->decisions.back();
    auto timer = std::make_shared<asio::steady_timer>(r->strand, opt.router_deadline);
    auto result = std::make_shared<std::optional<std::optional<std::string>>>();
    router->set_weight(change, [timer, result, strand = r->strand](std::optional<std::string> e) {
      asio::post(strand, [timer, result, e = std::move(e)]() mutable {
        if (*result) return;
        *result = std::move(e);
        timer->cancel();
      });
    });
    co_await timer->async_wait(use_tuple);
    if (!*result)
      *result = std::optional<std::string>("no answer within " +
                                           core::format_go_duration(opt.router_deadline));
    const auto& error = **result;
    ojson rec = record_head("routed", change.rollout, clock_now());
    rec["weight"] = want;
    rec["router"] = router->describe();
    if (error) rec["error"] = *error;
    record(change.rollout, std::move(rec));
    if (error) {
      ++stats.router_errors;
      r->router_error = *error;
      warn(change.rollout, "router: " + *error);
      co_return false;
    }
    r->router_error.clear();
    r->routed_weight = want;
    co_return true;
  }

  // What a command and a tick do to a rollout, live and in replay alike.
  static core::advance_result apply(rollout_entry& r, const command& c, core::instant now) {
    auto result = c.what == command::kind::approve ? r.sess.approve(now) : r.sess.abort(now, c.who);
    r.next_wake_up = result.next_wake_up.value_or(now);  // look again at once
    return result;
  }
  static core::advance_result apply(rollout_entry& r, core::instant now,
                                    const std::vector<core::observation>& obs) {
    auto result = r.sess.advance(now, obs);
    r.next_wake_up = result.next_wake_up;
    return result;
  }

  // Journals a human's (or the engine's) command and its decisions.
  bool take_command(rollout_entry& r, const command& c, core::instant now) {
    const auto result = apply(r, c, now);
    ojson rec =
        record_head(c.what == command::kind::approve ? "approve" : "abort", r.sess.spec().id, now);
    rec["by"] = c.who;
    rec["decisions"] = decisions_json(result.decisions);
    if (!record(r.sess.spec().id, std::move(rec))) return false;
    remember(r, result.decisions, true);
    return true;
  }

  asio::awaitable<void> run(std::shared_ptr<rollout_entry> r) {
    const std::string id = r->sess.spec().id;
    for (;;) {
      // 1. Commands from humans, in the order they came.
      bool journal_ok = true;
      while (!r->commands.empty() && journal_ok && !r->sess.finished()) {
        journal_ok = take_command(*r, r->commands.front(), clock_now());
        r->commands.pop_front();
      }
      r->commands.clear();  // a finished rollout takes no more
      if (!journal_ok) break;
      // 2. Routing: a weight the router has not confirmed holds everything else.
      if (r->routed_weight != r->sess.weight()) {
        if (co_await route(r)) {
          if (events.status) events.status(id, r->sess.describe(clock_now()));  // e.g. resumed
          continue;
        }
        if (opt.on_router_failure == engine_options::router_failure::abort && !r->sess.finished()) {
          if (!take_command(*r, {command::kind::abort, "floodgate: router failed"}, clock_now()))
            break;
          continue;  // route the abort's weight 0
        }
        if (draining) break;
        r->wake.expires_after(opt.router_hold_retry);
        co_await r->wake.async_wait(use_tuple);
        continue;
      }
      // 3. The end.
      if (r->sess.finished()) {
        ojson rec = record_head("end", id, clock_now());
        rec["status"] = core::rollout_status_name(r->sess.status());
        rec["weight"] = r->sess.weight();
        record(id, std::move(rec));
        r->ended = true;
        if (events.finished) events.finished(id, r->sess.status());
        break;
      }
      if (draining) break;
      // 4. A tick when one is due: measure, decide, journal (every tick: the controller's
      // state moves even when nothing is decided, and a replay must move it the same way).
      const core::instant real_now = clock_now();
      if (r->next_wake_up && *r->next_wake_up <= real_now) {
        // The tick happens at the instant the controller asked for (the timer fires a little
        // after it), so replaying the same answers in virtual time decides the same at the same
        // instants; a tick woken much later (a slow router, a suspended machine) happens now.
        const core::instant now =
            real_now - *r->next_wake_up <= opt.tick_lateness ? *r->next_wake_up : real_now;
        auto due = r->sess.due(now);
        std::vector<core::observation> obs;
        const auto woke = std::chrono::steady_clock::now();
        if (!due.empty()) obs = co_await measure(r, std::move(due), now);
        const auto result = apply(*r, now, obs);
        ojson rec = record_head("tick", id, now);
        ojson o = ojson::array();
        for (const auto& x : obs) o.push_back(observation_to_json(x));
        rec["observations"] = std::move(o);
        rec["decisions"] = decisions_json(result.decisions);
        // No router call without the journal: a tick that decided something is fsync'd now.
        if (!record(id, std::move(rec), result.decisions.empty())) break;
        if (events.tick && !obs.empty()) {
          events.tick(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - woke).count());
        }
        remember(*r, result.decisions, true);
        if (events.status) events.status(id, r->sess.describe(clock_now()));
        if (!result.decisions.empty()) continue;  // route, then go on
      }
      // 5. Sleep until the next wake-up, a command, or the drain.
      if (!r->commands.empty() || draining) continue;
      if (r->next_wake_up) {
        const auto wait = *r->next_wake_up - clock_now();
        r->wake.expires_after(wait.count() > 0 ? wait : core::millis(0));
      } else {
        r->wake.expires_at(asio::steady_timer::time_point::max());  // a human's turn
      }
      co_await r->wake.async_wait(use_tuple);
    }
  }

  void launch(const std::shared_ptr<rollout_entry>& r) {
    ++active;
    asio::co_spawn(r->strand, run(r), [self = shared_from_this(), r](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          self->warn(r->sess.spec().id, std::string("rollout stopped: ") + ex.what());
        }
      }
      if (--self->active == 0 && self->draining && self->drained) {
        self->flush("");
        self->flush_timer.cancel();
        auto done = std::move(self->drained);
        self->drained = nullptr;
        done();
      }
    });
  }

  std::optional<std::string> queue(const std::string& id, command c) {
    const auto it = rollouts.find(id);
    if (it == rollouts.end()) return "no rollout \"" + id + "\"";
    auto r = it->second;
    if (r->sess.finished())
      return "rollout \"" + id + "\" is already " +
             std::string(core::rollout_status_name(r->sess.status()));
    if (draining) return "floodgate is shutting down";
    asio::post(r->strand, [r, c = std::move(c)] {
      r->commands.push_back(c);
      r->wake.cancel();
    });
    return std::nullopt;
  }
};

engine::engine(asio::io_context& io, providers::ports::metrics_source& metrics,
               providers::ports::traffic_router* router, engine_options options,
               engine_events events)
    : impl_(std::make_shared<impl>(io, metrics, router, std::move(options), std::move(events))) {}

engine::~engine() = default;

std::vector<std::string> engine::recover() {
  auto& m = *impl_;
  const auto contents = read_journal(m.opt.journal_path);
  if (contents.error) throw std::runtime_error(*contents.error);
  for (const auto& rec : contents.records) {
    const std::string type = rec.value("type", "");
    const std::string id = rec.value("rollout", "");
    const auto where = m.opt.journal_path + " record " + std::to_string(rec.value("seq", 0ull));
    const core::instant at(core::millis(rec.value("at_ms", std::int64_t{0})));
    if (type == "start") {
      auto spec = spec_from_json(rec.at("spec"));
      if (auto* e = std::get_if<std::string>(&spec)) throw std::runtime_error(where + ": " + *e);
      auto s = session::start(std::move(std::get<rollout_spec>(spec)), at, &m.plans);
      if (auto* e = std::get_if<std::string>(&s))
        throw std::runtime_error(where + ": the plan no longer loads: " + *e);
      auto& sess = std::get<session>(s);
      if (sess.plan_hash() != rec.value("plan_hash", ""))
        throw std::runtime_error(where + ": the plan's hash differs from the journal's");
      m.rollouts[id] = std::make_shared<rollout_entry>(m.io, std::move(sess));
      continue;
    }
    const auto it = m.rollouts.find(id);
    if (it == m.rollouts.end())
      throw std::runtime_error(where + ": rollout \"" + id + "\" has no start record");
    auto& r = *it->second;
    if (type == "tick") {
      std::vector<core::observation> obs;
      for (const auto& o : rec.at("observations")) {
        auto got = observation_from_json(o);
        if (auto* e = std::get_if<std::string>(&got)) throw std::runtime_error(where + ": " + *e);
        obs.push_back(std::move(std::get<core::observation>(got)));
      }
      const auto result = impl::apply(r, at, obs);
      if (!same_decisions(result.decisions, rec.at("decisions")))
        throw std::runtime_error(where + ": replaying rollout \"" + id +
                                 "\" does not give the decisions the journal recorded");
      m.remember(r, result.decisions, false);
    } else if (type == "approve" || type == "abort") {
      const command c{type == "approve" ? command::kind::approve : command::kind::abort,
                      rec.value("by", "")};
      const auto result = impl::apply(r, c, at);
      if (!same_decisions(result.decisions, rec.at("decisions")))
        throw std::runtime_error(where + ": replaying rollout \"" + id + "\"'s " + type +
                                 " does not give the recorded decisions");
      m.remember(r, result.decisions, false);
    } else if (type == "routed") {
      if (!rec.contains("error")) r.routed_weight = rec.value("weight", -1);
    } else if (type == "end") {
      r.ended = true;
    } else {
      throw std::runtime_error(where + ": unknown record type \"" + type + "\"");
    }
  }
  if (auto e = truncate_journal(m.opt.journal_path, contents.valid_bytes))
    throw std::runtime_error(*e);
  m.log = std::make_unique<journal>(m.opt.journal_path, contents.next_seq);
  for (auto& [id, r] : m.rollouts) {
    if (r->ended) continue;
    r->routed_weight = -1;  // set it again: the router may have missed the last call
    m.launch(r);
  }
  return contents.warnings;
}

std::optional<engine::refusal> engine::start(rollout_spec spec) {
  using cause = refusal::cause;
  auto& m = *impl_;
  if (m.draining) return refusal{cause::unavailable, "floodgate is shutting down"};
  if (spec.id.empty()) return refusal{cause::spec, "a rollout needs an id"};
  if (const auto it = m.rollouts.find(spec.id); it != m.rollouts.end() && !it->second->ended)
    return refusal{cause::id_in_use, "rollout \"" + spec.id + "\" is still running"};
  const auto now = clock_now();
  auto s = session::start(spec, now, &m.plans);
  if (auto* e = std::get_if<std::string>(&s)) return refusal{cause::spec, *e};
  auto r = std::make_shared<rollout_entry>(m.io, std::move(std::get<session>(s)));
  ojson rec = record_head("start", spec.id, now);
  rec["plan"] = r->sess.plan().name;
  rec["plan_hash"] = r->sess.plan_hash();
  rec["version"] = spec.version;
  rec["by"] = spec.started_by;
  rec["spec"] = spec_to_json(spec);
  if (!m.record(spec.id, std::move(rec)))
    return refusal{cause::unavailable, "the journal cannot be written"};
  m.rollouts[spec.id] = r;
  m.launch(r);
  return std::nullopt;
}

std::optional<std::string> engine::approve(const std::string& id, const std::string& who) {
  return impl_->queue(id, {command::kind::approve, who});
}

std::optional<std::string> engine::abort(const std::string& id, const std::string& who) {
  return impl_->queue(id, {command::kind::abort, who});
}

std::optional<rollout_view> engine::get(const std::string& id) const {
  const auto it = impl_->rollouts.find(id);
  if (it == impl_->rollouts.end()) return std::nullopt;
  return impl_->view(*it->second, true);
}

std::vector<rollout_view> engine::list() const {
  std::vector<rollout_view> out;
  for (const auto& [id, r] : impl_->rollouts) out.push_back(impl_->view(*r, false));
  return out;
}

std::size_t engine::active() const {
  std::size_t n = 0;
  for (const auto& [id, r] : impl_->rollouts) n += r->ended ? 0 : 1;
  return n;
}

void engine::drain(std::function<void()> done) {
  auto& m = *impl_;
  m.draining = true;
  if (m.active == 0) {
    m.flush("");
    m.flush_timer.cancel();
    asio::post(m.io, std::move(done));
    return;
  }
  m.drained = std::move(done);
  // A rollout that has ended has nothing waiting on its timer; cancelling it is harmless.
  for (auto& [id, r] : m.rollouts) asio::post(r->strand, [r = r] { r->wake.cancel(); });
}

engine::counters engine::stats() const { return impl_->stats; }

}  // namespace floodgate::engine
