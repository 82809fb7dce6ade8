#include <cmath>
#include <floodgate/config/placeholders.hpp>
#include <floodgate/engine/session.hpp>
#include <sstream>

namespace floodgate::engine {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// FNV-1a, 64 bits (Fowler, Noll, Vo; IETF draft-eastlake-fnv), over every file's name and text.
std::string fnv1a(const std::vector<config::source_file>& files) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto add = [&](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ull;
    }
    h ^= 0xff;  // separator, so ("ab","c") and ("a","bc") differ
    h *= 0x100000001b3ull;
  };
  for (const auto& f : files) {
    add(f.name);
    add(f.text);
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// A Prometheus range for `{{elapsed}}`: whole seconds since the run started, at least 1s.
std::string elapsed_range(core::instant started, core::instant now) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
  return std::to_string(secs < 1 ? 1 : secs) + "s";
}

// core::value in the journal: tagged where JSON alone would lose the kind.
ojson value_to_json(const core::value& v) {
  switch (v.kind()) {
    case core::value_kind::nil:
      return nullptr;
    case core::value_kind::boolean:
      return v.as_bool();
    case core::value_kind::integer:
      return ojson{{"int", v.as_int()}};
    case core::value_kind::floating:
      if (std::isfinite(v.as_double())) return ojson{{"float", v.as_double()}};
      return ojson{{"float", core::format_float_plain(v.as_double())}};
    case core::value_kind::string:
      return v.as_string();
    case core::value_kind::array: {
      ojson a = ojson::array();
      for (const auto& x : v.items()) a.push_back(value_to_json(x));
      return a;
    }
    case core::value_kind::map: {
      ojson m = ojson::object();
      for (std::size_t i = 0; i < v.keys().size(); ++i)
        m[v.keys()[i]] = value_to_json(v.items()[i]);
      return ojson{{"map", m}};
    }
  }
  return nullptr;
}

std::optional<core::value> value_from_journal(const json& j) {
  if (j.is_null()) return core::value();
  if (j.is_boolean()) return core::value::boolean(j.get<bool>());
  if (j.is_string()) return core::value::string(j.get<std::string>());
  if (j.is_array()) {
    std::vector<core::value> items;
    for (const auto& x : j) {
      auto v = value_from_journal(x);
      if (!v) return std::nullopt;
      items.push_back(std::move(*v));
    }
    return core::value::array(std::move(items));
  }
  if (!j.is_object() || j.size() != 1) return std::nullopt;
  if (const auto it = j.find("int"); it != j.end() && it->is_number_integer())
    return core::value::integer(it->get<std::int64_t>());
  if (const auto it = j.find("float"); it != j.end()) {
    if (it->is_number()) return core::value::floating(it->get<double>());
    if (it->is_string()) {
      if (const auto d = core::parse_go_float(it->get<std::string>()))
        return core::value::floating(*d);
    }
    return std::nullopt;
  }
  if (const auto it = j.find("map"); it != j.end() && it->is_object()) {
    std::vector<std::pair<std::string, core::value>> entries;
    for (const auto& [k, x] : it->items()) {
      auto v = value_from_journal(x);
      if (!v) return std::nullopt;
      entries.emplace_back(k, std::move(*v));
    }
    return core::value::map(std::move(entries));
  }
  return std::nullopt;
}

// Every analysis of a canary or blue-green plan (steps', background, pre- and post-promotion).
std::vector<config::analysis_spec*> analyses_of(config::plan& p) {
  std::vector<config::analysis_spec*> out;
  if (auto* c = std::get_if<config::canary_strategy>(&p.strategy)) {
    for (auto& a : c->step_analyses) out.push_back(&a);
    out.push_back(&c->background);
  } else if (auto* b = std::get_if<config::blue_green_strategy>(&p.strategy)) {
    out = {&b->pre_promotion, &b->post_promotion};
  }
  return out;
}

// Calls f(controller plan, controller state) for the strategy the session runs.
template <typename Plan, typename State, typename F>
auto on_strategy(Plan& plan, State& state, F&& f) {
  if (auto* st = std::get_if<core::rollout_state>(&state))
    return f(std::get<config::canary_strategy>(plan.strategy).plan, *st);
  return f(std::get<config::blue_green_strategy>(plan.strategy).plan,
           std::get<core::blue_green_state>(state));
}

ojson arm_json(const core::arm_counts& a) {
  return ojson{{"events", a.events}, {"total", a.total}};
}

}  // namespace

ojson spec_to_json(const rollout_spec& s) {
  ojson files = ojson::array();
  for (const auto& f : s.files) files.push_back(ojson{{"name", f.name}, {"text", f.text}});
  ojson j;
  j["id"] = s.id;
  j["plan"] = s.plan;
  j["args"] = s.args;
  j["prometheus"] = s.prometheus;
  j["version"] = s.version;
  j["started_by"] = s.started_by;
  j["files"] = std::move(files);
  return j;
}

std::variant<rollout_spec, std::string> spec_from_json(const json& j) {
  try {
    rollout_spec s;
    s.id = j.at("id").get<std::string>();
    s.plan = j.at("plan").get<std::string>();
    s.args = j.at("args").get<std::map<std::string, std::string>>();
    s.prometheus = j.at("prometheus").get<std::string>();
    s.version = j.at("version").get<std::string>();
    s.started_by = j.at("started_by").get<std::string>();
    for (const auto& f : j.at("files"))
      s.files.push_back({f.at("name").get<std::string>(), f.at("text").get<std::string>()});
    return s;
  } catch (const json::exception& e) {
    return std::string("a start record: ") + e.what();
  }
}

ojson observation_to_json(const core::observation& o) {
  ojson j;
  j["background"] = o.request.background;
  j["metric"] = o.request.metric;
  if (const auto* v = std::get_if<core::value>(&o.result)) {
    j["value"] = value_to_json(*v);
  } else if (const auto* e = std::get_if<std::string>(&o.result)) {
    j["error"] = *e;
  } else {
    const auto& d = std::get<core::comparison_data>(o.result);
    ojson c;
    c["canary"] = arm_json(d.canary);
    c["baseline"] = arm_json(d.baseline);
    if (!d.canary_samples.empty() || !d.baseline_samples.empty()) {
      c["canary_samples"] = d.canary_samples;
      c["baseline_samples"] = d.baseline_samples;
    }
    j["comparison"] = std::move(c);
  }
  j["value_text"] = o.value_text.str();
  return j;
}

std::variant<core::observation, std::string> observation_from_json(const json& j) {
  try {
    core::observation o;
    o.request.background = j.at("background").get<bool>();
    o.request.metric = j.at("metric").get<std::size_t>();
    o.value_text = j.at("value_text").get<std::string>();
    if (const auto it = j.find("value"); it != j.end()) {
      auto v = value_from_journal(*it);
      if (!v) return std::string("an observation's value is not one the journal writes");
      o.result = std::move(*v);
    } else if (const auto e = j.find("error"); e != j.end()) {
      o.result = e->get<std::string>();
    } else {
      const auto& c = j.at("comparison");
      core::comparison_data d;
      d.canary = {c.at("canary").at("events").get<double>(),
                  c.at("canary").at("total").get<double>()};
      d.baseline = {c.at("baseline").at("events").get<double>(),
                    c.at("baseline").at("total").get<double>()};
      if (c.contains("canary_samples")) {
        d.canary_samples = c.at("canary_samples").get<std::vector<double>>();
        d.baseline_samples = c.at("baseline_samples").get<std::vector<double>>();
      }
      o.result = std::move(d);
    }
    return o;
  } catch (const json::exception& e) {
    return std::string("an observation: ") + e.what();
  }
}

namespace {

// Loads the spec's plan and checks what does not depend on the run-time arguments.
std::variant<std::shared_ptr<const loaded_plan>, std::string> load_plan(const rollout_spec& spec,
                                                                        std::string hash) {
  auto loaded = config::load(spec.files);
  if (!loaded.ok()) return loaded.errors.front().format();
  const auto chosen = config::choose_plan(loaded, spec.plan);
  if (const auto* e = std::get_if<std::string>(&chosen)) return *e;
  auto out = std::make_shared<loaded_plan>();
  out->plan = *std::get<const config::plan*>(chosen);
  auto& plan = out->plan;
  if (std::holds_alternative<config::progressive_strategy>(plan.strategy)) {
    return "plan \"" + plan.name +
           "\" is a Flagger Canary: Flagger runs it and asks floodgate through its webhooks "
           "(floodgate serve); floodgate does not drive it live itself";
  }
  if (auto* a = std::get_if<config::analysis_strategy>(&plan.strategy)) {
    config::canary_strategy c;
    core::canary_step step;
    step.what = core::canary_step::kind::analysis;
    for (const auto& m : a->analysis.metrics) step.metrics.push_back(m.metric);
    c.plan.steps.push_back(std::move(step));
    c.step_analyses.push_back(a->analysis);
    plan.strategy = std::move(c);
  }
  // Every metric must be one the live source measures; --prometheus replaces every address.
  for (auto* a : analyses_of(plan)) {
    for (auto& m : a->metrics) {
      if (m.source.kind == config::provider_kind::kayenta)
        return "metric \"" + m.metric.name +
               "\" uses the Kayenta provider, which floodgate does not call live (floodgate is "
               "itself a Kayenta-compatible judge: floodgate serve)";
      if (m.source.kind == config::provider_kind::prometheus && !spec.prometheus.empty())
        m.source.address = spec.prometheus;
    }
  }
  out->files = spec.files;
  out->name = spec.plan;
  out->prometheus = spec.prometheus;
  out->hash = std::move(hash);
  return std::shared_ptr<const loaded_plan>(std::move(out));
}

}  // namespace

std::shared_ptr<const loaded_plan> plan_cache::find(const rollout_spec& spec,
                                                    const std::string& hash) {
  const auto [from, to] = by_hash_.equal_range(hash);
  for (auto it = from; it != to;) {
    auto p = it->second.lock();
    if (!p) {
      it = by_hash_.erase(it);
      continue;
    }
    if (p->name == spec.plan && p->prometheus == spec.prometheus && p->files == spec.files)
      return p;
    ++it;
  }
  return nullptr;
}

void plan_cache::add(const std::shared_ptr<const loaded_plan>& p) {
  // Plans no session uses any more go (their weak_ptr would keep make_shared's block).
  std::erase_if(by_hash_, [](const auto& e) { return e.second.expired(); });
  by_hash_.emplace(p->hash, p);
  if (retain_) retained_.push_back(p);
}

std::variant<session, std::string> session::start(rollout_spec spec, core::instant now,
                                                  plan_cache* cache) {
  std::string hash = fnv1a(spec.files);
  session s;
  s.loaded_ = cache ? cache->find(spec, hash) : nullptr;
  if (!s.loaded_) {
    auto loaded = load_plan(spec, std::move(hash));
    if (auto* e = std::get_if<std::string>(&loaded)) return std::move(*e);
    s.loaded_ = std::move(std::get<std::shared_ptr<const loaded_plan>>(loaded));
    if (cache) cache->add(s.loaded_);
  }
  const auto& plan = s.loaded_->plan;
  for (const auto& name : plan.runtime_args) {
    if (!spec.args.count(name))
      return "argument \"" + name + "\" of plan \"" + plan.name +
             "\" is resolved at run time: give it (--arg " + name + "=VALUE)";
  }
  if (std::holds_alternative<config::canary_strategy>(plan.strategy)) {
    s.state_ = core::rollout_state{};
  } else {
    core::blue_green_state st;
    st.preview_ready_at = now;
    s.state_ = st;
  }
  s.started_at_ = now;
  spec.files.clear();
  spec.files.shrink_to_fit();
  s.spec_ = std::move(spec);
  return s;
}

const config::metric_spec* session::spec_of(const core::metric_request& r) const {
  const config::analysis_spec* a = nullptr;
  if (const auto* c = std::get_if<config::canary_strategy>(&loaded_->plan.strategy)) {
    const auto step = std::get<core::rollout_state>(state_).step;
    if (r.background) {
      a = &c->background;
    } else if (step < c->step_analyses.size()) {
      a = &c->step_analyses[step];
    }
  } else {
    const auto& b = std::get<config::blue_green_strategy>(loaded_->plan.strategy);
    a = std::get<core::blue_green_state>(state_).stage == core::blue_green_stage::post_promotion
            ? &b.post_promotion
            : &b.pre_promotion;
  }
  return a && r.metric < a->metrics.size() ? &a->metrics[r.metric] : nullptr;
}

const core::run_state* session::run_of(const core::metric_request& r) const {
  if (const auto* st = std::get_if<core::rollout_state>(&state_)) {
    const auto& run = r.background ? st->background_run : st->step_run;
    return run ? &*run : nullptr;
  }
  const auto& run = std::get<core::blue_green_state>(state_).run;
  return run ? &*run : nullptr;
}

std::vector<core::metric_request> session::due(core::instant now) const {
  return on_strategy(loaded_->plan, state_, [&](const auto& plan, const auto& st) {
    return core::due_measurements(plan, st, now);
  });
}

const core::comparison_metric* session::comparison_of(const core::metric_request& r) const {
  const auto* m = spec_of(r);
  return m && m->metric.compare ? &*m->metric.compare : nullptr;
}

std::string session::metric_name(const core::metric_request& r) const {
  const auto* m = spec_of(r);
  return m ? m->metric.name : "?";
}

session::render_key session::render_key_of(const core::metric_request& r, core::instant now) const {
  const auto* run = run_of(r);
  return {spec_of(r), run && run->started_at ? *run->started_at : now};
}

std::variant<providers::ports::metric_query, std::string> session::query_for(
    const core::metric_request& r, core::instant now) const {
  const auto inputs = render_key_of(r, now);
  const auto* m = inputs.metric;
  if (!m) return std::string("no such metric in the current analysis");
  const std::string elapsed = elapsed_range(inputs.run_start, now);
  const config::placeholder_lookup lookup =
      [&](std::string_view key) -> std::optional<std::string> {
    if (key == "elapsed") return elapsed;
    if (key.rfind("args.", 0) == 0) {
      const std::string name(key.substr(5));
      if (const auto it = spec_.args.find(name); it != spec_.args.end()) return it->second;
      if (const auto it = loaded_->plan.args.find(name); it != loaded_->plan.args.end())
        return it->second;
    }
    return std::nullopt;
  };
  std::string error;
  auto render = [&](const std::string& text) {
    auto out = config::render_placeholders(text, lookup);
    if (auto* e = std::get_if<config::render_error>(&out)) {
      if (error.empty()) error = e->message;
      return std::string();
    }
    return std::get<std::string>(out);
  };
  providers::ports::metric_query q;
  q.provider = std::string(config::provider_kind_name(m->source.kind));
  q.address = render(m->source.address);
  q.query = render(m->source.query);
  for (const auto& [arm, text] : m->source.arms) q.arms[arm] = render(text);
  q.method = m->source.method;
  q.body = render(m->source.body);
  for (const auto& [k, v] : m->source.headers) q.headers.emplace_back(k, render(v));
  if (m->source.timeout_seconds)
    q.timeout = core::millis(static_cast<long long>(*m->source.timeout_seconds * 1000.0));
  q.at = now;
  if (!error.empty()) return "metric \"" + m->metric.name + "\": " + error;
  return q;
}

core::advance_result session::advance(core::instant now, const std::vector<core::observation>& obs,
                                      std::vector<core::metric_look>* looks) {
  return on_strategy(loaded_->plan, state_, [&](const auto& plan, auto& st) {
    return core::advance(plan, st, now, obs, looks);
  });
}

core::advance_result session::approve(core::instant now) {
  return on_strategy(loaded_->plan, state_,
                     [&](const auto& plan, auto& st) { return core::approve(plan, st, now); });
}

core::advance_result session::abort(core::instant now, const std::string& who) {
  if (auto* st = std::get_if<core::rollout_state>(&state_))
    return core::abort_rollout(*st, now, who);  // a canary's abort needs no plan
  return core::abort_rollout(std::get<config::blue_green_strategy>(loaded_->plan.strategy).plan,
                             std::get<core::blue_green_state>(state_), now, who);
}

int session::weight() const {
  return std::visit([](const auto& st) { return st.weight; }, state_);
}

core::rollout_status session::status() const {
  return std::visit([](const auto& st) { return st.status; }, state_);
}

std::size_t session::step() const {
  if (const auto* st = std::get_if<core::rollout_state>(&state_)) return st->step;
  return static_cast<std::size_t>(std::get<core::blue_green_state>(state_).stage);
}

bool session::finished() const {
  const auto s = status();
  return s == core::rollout_status::promoted || s == core::rollout_status::aborted;
}

bool session::waiting_for_human() const {
  const auto s = status();
  if (s == core::rollout_status::paused_inconclusive) return true;
  if (s != core::rollout_status::paused) return false;
  if (const auto* st = std::get_if<core::rollout_state>(&state_)) {
    const auto& steps = std::get<config::canary_strategy>(loaded_->plan.strategy).plan.steps;
    return st->step < steps.size() && steps[st->step].what == core::canary_step::kind::pause &&
           !steps[st->step].duration;
  }
  return true;  // blue-green pauses only for a human
}

std::vector<metric_view> session::metrics() const {
  std::vector<metric_view> out;
  for (const bool background : {false, true}) {
    const auto* run = run_of({background, 0});
    if (!run) continue;
    for (std::size_t i = 0; i < run->results.size(); ++i) {
      metric_view v;
      v.name = metric_name({background, i});
      v.background = background;
      const auto& r = run->results[i];
      v.phase = "Pending";
      if (r) {
        v.counters = r->counters;
        v.phase = core::phase_name(r->phase);
        if (!r->measurements.empty()) {
          const auto& m = r->measurements.back();
          if (m.insufficient()) v.phase = "insufficient";
          v.latest = core::phase_name(m.phase);
          v.value = m.value.str();
          v.message = m.message;
          v.evidence = m.evidence;
        }
      }
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string session::describe(const std::vector<metric_view>& ms,
                              std::optional<core::instant> now) const {
  std::ostringstream s;
  // Whole seconds, as people read a countdown.
  const auto left = [](double seconds) {
    return core::format_go_duration(
        core::millis(static_cast<long long>(std::ceil(std::max(seconds, 0.0))) * 1000));
  };
  if (const auto* st = std::get_if<core::rollout_state>(&state_)) {
    const auto& steps = std::get<config::canary_strategy>(loaded_->plan.strategy).plan.steps;
    const auto n = steps.size();
    s << "step " << std::min(st->step + 1, n) << "/" << n;
    // A timed pause: how long it has still to run.
    if (now && st->step < n && st->pause_started &&
        steps[st->step].what == core::canary_step::kind::pause && steps[st->step].duration) {
      const auto ends = *st->pause_started + *steps[st->step].duration;
      s << " (pause, " << left(std::chrono::duration<double>(ends - *now).count()) << " left)";
    }
  } else {
    static const char* stages[] = {"pre-promotion", "switched", "post-promotion", "done"};
    s << stages[step()];
  }
  s << " · weight " << weight() << " % · " << core::rollout_status_name(status());
  for (const auto& m : ms) {
    s << " · " << m.name << " " << m.phase;
    if (m.latest == "Error") {
      s << " (Error: " << m.message << ")";
    } else if (m.evidence && m.evidence->n && m.evidence->required_n) {
      const double have = *m.evidence->n, need = *m.evidence->required_n;
      s << " (n " << core::format_float_short(have, 6) << " of "
        << core::format_float_short(need, 6);
      // At the rate n has grown since the run started, the time to the required n.
      const auto* run = run_of({m.background, 0});
      if (now && run && run->started_at && have > 0 && have < need) {
        const double elapsed = std::chrono::duration<double>(*now - *run->started_at).count();
        if (elapsed > 0) s << ", ≈ " << left((need - have) * elapsed / have) << " to go";
      }
      s << ")";
    } else if (!m.value.empty()) {
      s << " " << m.value;
    }
  }
  return s.str();
}

}  // namespace floodgate::engine
