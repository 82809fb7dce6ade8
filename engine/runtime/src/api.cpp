#include <algorithm>
#include <chrono>
#include <cmath>
#include <floodgate/engine/api.hpp>
#include <floodgate/engine/engine.hpp>
#include <floodgate/engine/telemetry.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <nlohmann/json.hpp>

namespace floodgate::engine {

using ojson = nlohmann::ordered_json;
using nlohmann::json;

std::string api_request::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return "";
}

using providers::ports::json_text;

namespace {

api_response json_response(int status, const ojson& j) {
  return {status, "application/json", json_text(j) + "\n", {}};
}

}  // namespace

api_response api_error(int status, const std::string& message) {
  ojson j;
  j["error"] = message;
  j["status"] = status;
  return json_response(status, j);
}

namespace {

api_response text_response(int status, std::string text) {
  return {status, "text/plain; charset=utf-8", std::move(text), {}};
}

api_response method_not_allowed(const std::string& allow) {
  auto r = api_error(405, "method not allowed here; use " + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding ('+' is a space in a query string only).
std::string decode(std::string_view s, bool query) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else if (query && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

struct target_parts {
  std::vector<std::string> path;  ///< decoded segments, "/a/b/" → {"a", "b"}
  std::map<std::string, std::string> query;
};

target_parts split_target(const std::string& target) {
  target_parts t;
  const auto q = target.find('?');
  const std::string_view path = std::string_view(target).substr(0, q);
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto seg =
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
    if (!seg.empty()) t.path.push_back(decode(seg, false));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (q != std::string::npos) {
    std::string_view qs = std::string_view(target).substr(q + 1);
    while (!qs.empty()) {
      const auto amp = qs.find('&');
      const auto pair = qs.substr(0, amp);
      const auto eq = pair.find('=');
      t.query[decode(pair.substr(0, eq), true)] =
          eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1), true);
      if (amp == std::string_view::npos) break;
      qs = qs.substr(amp + 1);
    }
  }
  return t;
}

// The body as JSON, or the 400 that says where it is broken.
std::variant<json, api_response> parse_body(const api_request& r) {
  if (r.body.empty()) return api_error(400, "body: expected a JSON object, found an empty body");
  try {
    auto j = json::parse(r.body);
    if (!j.is_object())
      return api_error(400, std::string("body: expected a JSON object, found ") + j.type_name());
    return j;
  } catch (const json::parse_error& e) {
    return api_error(400, "body: not valid JSON at byte " + std::to_string(e.byte) + ": " +
                              std::string(e.what()).substr(std::string(e.what()).find(':') + 2));
  } catch (const json::exception& e) {  // e.g. a number too large for a double (406)
    return api_error(400, "body: not usable JSON: " +
                              std::string(e.what()).substr(std::string(e.what()).find(']') + 2));
  }
}

// A field that must be a string when present; "" when absent.
std::optional<std::string> string_field(const json& j, const char* key, std::string& out) {
  if (!j.contains(key)) return std::nullopt;
  if (!j[key].is_string())
    return std::string("body.") + key + ": expected a string, found " + j[key].type_name();
  out = j[key].get<std::string>();
  return std::nullopt;
}

std::optional<std::string> check_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return "id: expected 1 to 128 characters";
  for (const char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return "id: \"" + id + "\" may hold only letters, digits, '-', '_' and '.'";
  return std::nullopt;
}

ojson metric_json(const metric_view& m) {
  ojson j;
  j["name"] = m.name;
  j["background"] = m.background;
  j["phase"] = m.phase;
  if (!m.latest.empty()) j["latest"] = m.latest;
  if (!m.value.empty()) j["value"] = m.value;
  if (!m.message.empty()) j["message"] = m.message;
  j["counters"] = {{"count", m.counters.count},
                   {"successful", m.counters.successful},
                   {"failed", m.counters.failed},
                   {"inconclusive", m.counters.inconclusive},
                   {"error", m.counters.error},
                   {"consecutive_error", m.counters.consecutive_error},
                   {"consecutive_success", m.counters.consecutive_success}};
  if (m.evidence) {
    const auto& e = *m.evidence;
    ojson s;
    s["test"] = e.statistic;
    s["outcome"] = core::comparison_outcome_name(e.outcome);
    s["message"] = e.message;
    core::decision_reason numbers;  // the decision record's statistics, written as it writes them
    core::add_evidence(numbers, e);
    providers::ports::add_statistics(s, numbers);
    j["statistics"] = std::move(s);
  }
  return j;
}

std::string_view verdict_of(const rollout_view& v) {
  switch (v.status) {
    case core::rollout_status::promoted:
      return "pass";
    case core::rollout_status::aborted:
      return "fail";
    case core::rollout_status::paused_inconclusive:
      return "inconclusive";
    default:
      return "running";
  }
}

ojson view_json(const rollout_view& v, bool full) {
  ojson j;
  j["id"] = v.id;
  j["plan"] = v.plan;
  j["plan_hash"] = v.plan_hash;
  j["version"] = v.version;
  j["started_by"] = v.started_by;
  j["started_at"] = providers::ports::format_rfc3339(v.started_at);
  j["status"] = core::rollout_status_name(v.status);
  j["verdict"] = verdict_of(v);
  j["finished"] = v.finished;
  j["waiting_for_human"] = v.waiting_for_human;
  j["step"] = v.step;
  j["weight"] = v.weight;
  j["routed_weight"] = v.routed_weight;
  if (!v.router_error.empty()) j["router_error"] = v.router_error;
  j["summary"] = v.summary;
  if (!full) return j;
  ojson ms = ojson::array();
  for (const auto& m : v.metrics) ms.push_back(metric_json(m));
  j["metrics"] = std::move(ms);
  ojson ds = ojson::array();
  for (const auto& d : v.decisions) ds.push_back(providers::ports::decision_to_json(d));
  j["decisions"] = std::move(ds);
  return j;
}

// What an Argo Rollouts web metric reads: `jsonPath: "{$.verdict}"`.
ojson verdict_json(const rollout_view& v) {
  ojson j;
  j["analysis"] = v.id;
  j["verdict"] = verdict_of(v);
  j["status"] = core::rollout_status_name(v.status);
  j["weight"] = v.weight;
  j["step"] = v.step;
  j["waiting_for_human"] = v.waiting_for_human;
  j["summary"] = v.summary;
  if (!v.decisions.empty())
    j["last_decision"] = providers::ports::decision_to_json(v.decisions.back());
  return j;
}

const std::set<std::string> flagger_hooks{
    "confirm-rollout",   "pre-rollout", "rollout",      "confirm-traffic-increase",
    "confirm-promotion", "rollback",    "post-rollout", "event"};

}  // namespace

struct api::impl {
  engine& eng;
  telemetry& tel;
  api_options opt;
  kayenta_service kayenta;
  std::set<std::string> library_plans;
  bool ready = false;
  struct subscriber {
    std::string filter;
    event_sink sink;
  };
  std::map<std::uint64_t, subscriber> subscribers;
  std::uint64_t next_subscriber = 1;
  std::uint64_t event_seq = 0;
  struct flagger_run {
    std::string checksum;
    std::string id;
  };
  std::map<std::string, flagger_run> flagger;  ///< "<name>.<namespace>" → its current analysis
  std::set<std::string> open_gates;            ///< "<name>.<namespace>", "rollback.<…>"

  impl(engine& e, telemetry& t, providers::ports::metrics_source& m, api_options o)
      : eng(e), tel(t), opt(std::move(o)), kayenta(m, opt.kayenta) {
    if (!opt.plans.empty()) {
      const auto loaded = config::load(opt.plans);
      for (const auto& p : loaded.plans) library_plans.insert(p.name);
    }
  }

  bool authorised(const api_request& r, const char* family) const {
    if (opt.token.empty() || r.method != "POST") return true;
    if (family && opt.unauthenticated.count(family)) return true;
    const std::string h = r.header("authorization");
    const std::string want = "Bearer " + opt.token;
    if (h.size() != want.size()) return false;
    unsigned diff = 0;  // the same time whatever matches
    for (std::size_t i = 0; i < h.size(); ++i) diff |= static_cast<unsigned>(h[i] ^ want[i]);
    return diff == 0;
  }

  void publish(const std::string& id, const char* event, const ojson& data) {
    const std::string chunk = "id: " + std::to_string(++event_seq) + "\nevent: " + event +
                              "\ndata: " + json_text(data) + "\n\n";
    for (auto it = subscribers.begin(); it != subscribers.end();) {
      if (!it->second.filter.empty() && it->second.filter != id) {
        ++it;
        continue;
      }
      if (it->second.sink(chunk))
        ++it;
      else
        it = subscribers.erase(it);
    }
  }

  // --- own REST API ---

  // Builds a spec from a create (or Argo verdict) body; the 400 names the field.
  std::variant<rollout_spec, api_response> spec_from_body(const json& b,
                                                          const std::set<std::string>& allowed) {
    for (const auto& [k, v] : b.items())
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        return api_error(400, "body." + k + ": unknown field (expected " + list + ")");
      }
    rollout_spec s;
    for (const auto& [key, out] : {std::pair<const char*, std::string*>{"id", &s.id},
                                   {"plan", &s.plan},
                                   {"version", &s.version},
                                   {"started_by", &s.started_by}})
      if (auto e = string_field(b, key, *out)) return api_error(400, *e);
    if (b.contains("args")) {
      if (!b["args"].is_object()) return api_error(400, "body.args: expected an object of strings");
      for (const auto& [k, v] : b["args"].items()) {
        if (!v.is_string())
          return api_error(400, "body.args." + k + ": expected a string, found " + v.type_name());
        s.args[k] = v.get<std::string>();
      }
    }
    if (b.contains("files")) {
      if (!b["files"].is_array() || b["files"].empty())
        return api_error(400, "body.files: expected a list of {name, text}");
      for (std::size_t i = 0; i < b["files"].size(); ++i) {
        const auto& f = b["files"][i];
        const std::string at = "body.files[" + std::to_string(i) + "]";
        if (!f.is_object() || !f.contains("text") || !f["text"].is_string() ||
            (f.contains("name") && !f["name"].is_string()))
          return api_error(400, at + ": expected {\"name\": ..., \"text\": \"the plan\"}");
        s.files.push_back(
            {f.value("name", "request-file-" + std::to_string(i)), f["text"].get<std::string>()});
      }
    } else {
      if (s.plan.empty()) return api_error(400, "body.plan: expected the name of a plan");
      if (!library_plans.count(s.plan))
        return api_error(404, "body.plan: no plan \"" + s.plan + "\" in the server's plans");
      s.files = opt.plans;
    }
    if (s.id.empty()) s.id = s.plan;
    if (auto e = check_id(s.id)) return api_error(400, "body." + *e);
    s.prometheus = opt.prometheus;
    if (s.started_by.empty()) s.started_by = "api";
    return s;
  }

  // Starts a rollout; nothing when it started, else the status and message that say why not.
  struct refusal {
    int status;
    std::string message;
  };
  std::optional<refusal> start(rollout_spec spec) {
    using cause = engine::refusal::cause;
    if (!ready) return refusal{503, "floodgate is not ready (starting or shutting down)"};
    const std::string id = spec.id;
    const auto e = eng.start(std::move(spec));
    if (!e) return std::nullopt;
    switch (e->why) {
      case cause::id_in_use:
        return refusal{409, "analysis \"" + id + "\" is already running"};
      case cause::unavailable:
        return refusal{503, e->message};
      default:
        return refusal{400, e->message};
    }
  }

  api_response create(const api_request& r) {
    auto body = parse_body(r);
    if (auto* e = std::get_if<api_response>(&body)) return *e;
    auto spec = spec_from_body(std::get<json>(body),
                               {"id", "plan", "files", "args", "version", "started_by"});
    if (auto* e = std::get_if<api_response>(&spec)) return *e;
    const std::string id = std::get<rollout_spec>(spec).id;
    if (auto e = start(std::move(std::get<rollout_spec>(spec))))
      return api_error(e->status, e->message);
    auto resp = json_response(201, view_json(*eng.get(id), true));
    resp.headers.emplace_back("Location", "/api/v1/analyses/" + id);
    return resp;
  }

  api_response command(const std::string& id, const std::string& what, const api_request& r) {
    const auto v = eng.get(id);
    if (!v) return api_error(404, "no analysis \"" + id + "\"");
    std::string who = "api";
    if (!r.body.empty()) {
      auto body = parse_body(r);
      if (auto* e = std::get_if<api_response>(&body)) return *e;
      const auto& b = std::get<json>(body);
      for (const auto& [k, x] : b.items())
        if (k != "by") return api_error(400, "body." + k + ": unknown field (expected by)");
      if (auto e = string_field(b, "by", who)) return api_error(400, *e);
    }
    if (v->finished)
      return api_error(409, "analysis \"" + id + "\" is already " +
                                std::string(core::rollout_status_name(v->status)));
    const auto e = what == "abort" ? eng.abort(id, who) : eng.approve(id, who);
    if (e) return api_error(409, *e);
    ojson j;
    j["analysis"] = id;
    j["accepted"] = what;
    j["by"] = who;
    return json_response(202, j);
  }

  api_response analyses(const target_parts& t, const api_request& r) {
    const auto& p = t.path;  // {"api", "v1", "analyses", ...}
    if (p.size() == 3) {
      if (r.method == "GET") {
        ojson a = ojson::array();
        for (const auto& v : eng.list()) a.push_back(view_json(v, false));
        return json_response(200, a);
      }
      if (r.method == "POST") return create(r);
      return method_not_allowed("GET, POST");
    }
    const std::string& id = p[3];
    if (p.size() == 4) {
      if (r.method != "GET") return method_not_allowed("GET");
      const auto v = eng.get(id);
      if (!v) return api_error(404, "no analysis \"" + id + "\"");
      return json_response(200, view_json(*v, true));
    }
    if (p.size() == 5 && p[4] == "verdict") {
      if (r.method != "GET") return method_not_allowed("GET");
      const auto v = eng.get(id);
      if (!v) return api_error(404, "no analysis \"" + id + "\"");
      return json_response(200, verdict_json(*v));
    }
    if (p.size() == 5 && (p[4] == "approve" || p[4] == "resume" || p[4] == "abort")) {
      if (r.method != "POST") return method_not_allowed("POST");
      return command(id, p[4], r);
    }
    return api_error(404, "no such resource: " + r.target);
  }

  // Argo Rollouts' web metric, POSTing {id, plan, args, version}: the first call starts the
  // analysis, every call answers its verdict.
  api_response argo_verdict(const api_request& r) {
    if (r.method != "POST") return method_not_allowed("POST");
    auto body = parse_body(r);
    if (auto* e = std::get_if<api_response>(&body)) return *e;
    auto spec = spec_from_body(std::get<json>(body), {"id", "plan", "args", "version"});
    if (auto* e = std::get_if<api_response>(&spec)) return *e;
    auto& s = std::get<rollout_spec>(spec);
    s.started_by = "argo-rollouts web metric";
    const std::string id = s.id;
    if (!eng.get(id))
      if (auto e = start(std::move(s))) return api_error(e->status, e->message);
    return json_response(200, verdict_json(*eng.get(id)));
  }

  // --- Flagger ---

  // Starts the analysis of a canary's revision from the plan its webhook's metadata names
  // (default: the canary's name), the other metadata as arguments; the no-go when it cannot.
  std::optional<api_response> start_revision(const std::string& id, const std::string& hook,
                                             const std::string& name, const std::string& ns,
                                             const std::string& checksum,
                                             const std::map<std::string, std::string>& metadata) {
    rollout_spec s;
    s.id = id;
    const auto named = metadata.find("plan");
    s.plan = named != metadata.end() ? named->second : name;
    if (!library_plans.count(s.plan))
      return api_error(403, "no-go: no plan \"" + s.plan +
                                "\" in the server's plans (name one with the webhook's "
                                "metadata.plan)");
    s.files = opt.plans;
    s.prometheus = opt.prometheus;
    s.version = checksum;
    s.started_by = "flagger " + hook + " (" + name + "." + ns + ")";
    for (const auto& [k, v] : metadata)
      if (k != "plan") s.args[k] = v;
    s.args.emplace("name", name);
    s.args.emplace("namespace", ns);
    const auto e = start(std::move(s));
    if (!e) return std::nullopt;
    // A plan that cannot start is a no-go for Flagger, not a bad request.
    return e->status == 400 ? api_error(403, "no-go: " + e->message)
                            : api_error(e->status, e->message);
  }

  api_response flagger_hook(const std::string& hook, const api_request& r) {
    if (!flagger_hooks.count(hook))
      return api_error(404,
                       "no Flagger hook \"" + hook +
                           "\" (expected confirm-rollout, "
                           "pre-rollout, rollout, confirm-traffic-increase, confirm-promotion, "
                           "rollback, post-rollout or event)");
    if (r.method != "POST") return method_not_allowed("POST");
    auto body = parse_body(r);
    if (auto* e = std::get_if<api_response>(&body)) return *e;
    const auto& b = std::get<json>(body);
    std::string name, ns, phase, checksum;
    for (const auto& [key, out] : {std::pair<const char*, std::string*>{"name", &name},
                                   {"namespace", &ns},
                                   {"phase", &phase},
                                   {"checksum", &checksum}})
      if (auto e = string_field(b, key, *out)) return api_error(400, *e);
    if (name.empty() || ns.empty())
      return api_error(400, "body: expected Flagger's payload with name and namespace");
    std::map<std::string, std::string> metadata;
    if (b.contains("metadata")) {
      if (!b["metadata"].is_object())
        return api_error(400, "body.metadata: expected an object of strings");
      for (const auto& [k, v] : b["metadata"].items())
        metadata[k] = v.is_string() ? v.get<std::string>() : json_text(v);
    }
    const std::string key = name + "." + ns;
    ojson out;
    out["hook"] = hook;
    out["canary"] = key;
    if (hook == "event") {
      ojson ev;
      ev["canary"] = key;
      ev["phase"] = phase;
      ev["metadata"] = metadata;
      publish(key, "flagger", ev);
      out["go"] = true;
      return json_response(200, out);
    }
    if (checksum.empty())
      return api_error(400, "body.checksum: expected the canary's checksum (Flagger sends it)");
    auto it = flagger.find(key);
    if (hook == "post-rollout") {
      if (it != flagger.end() && it->second.checksum == checksum) {
        if (const auto v = eng.get(it->second.id); v && !v->finished)
          eng.abort(it->second.id, "flagger: post-rollout in phase " + phase);
      }
      out["go"] = true;
      return json_response(200, out);
    }
    if (it == flagger.end() || it->second.checksum != checksum) {
      const std::string id = "flagger." + key + "." + checksum;
      if (auto e = check_id(id)) return api_error(400, "body.checksum: " + *e);
      // A new revision: the analyses of earlier ones are over (after a restart the map is
      // empty, so they are found by their ids); this one's, journaled before a restart,
      // stands, else it starts now.
      const std::string prefix = "flagger." + key + ".";
      bool known = false;
      for (const auto& v : eng.list()) {
        if (v.id == id)
          known = true;
        else if (v.id.rfind(prefix, 0) == 0 && !v.finished)
          eng.abort(v.id, "flagger: superseded by checksum " + checksum);
      }
      if (!known)
        if (auto no = start_revision(id, hook, name, ns, checksum, metadata)) return *no;
      it = flagger.insert_or_assign(key, flagger_run{checksum, id}).first;
    }
    const auto v = eng.get(it->second.id);
    const auto st = v->status;
    bool go = false;
    if (hook == "confirm-promotion")
      go = st == core::rollout_status::promoted;
    else if (hook == "rollback")
      go = st == core::rollout_status::aborted;  // 200 tells Flagger to roll back
    else if (hook == "confirm-traffic-increase")
      go = st == core::rollout_status::progressing || st == core::rollout_status::promoted;
    else
      go = st != core::rollout_status::aborted;
    out["go"] = go;
    out["analysis"] = v->id;
    out["status"] = core::rollout_status_name(st);
    out["summary"] = v->summary;
    return json_response(go ? 200 : 403, out);
  }

  // Flagger's load tester gates (pkg/loadtester/server.go): closed until opened, keyed by
  // "<name>.<namespace>" ("rollback.<name>.<namespace>" for the rollback gate).
  api_response gate(const std::string& family, const std::string& action, const api_request& r) {
    const bool rollback = family == "rollback";
    const std::set<std::string> actions =
        rollback ? std::set<std::string>{"check", "open", "close"}
                 : std::set<std::string>{"approve", "halt", "check", "open", "close"};
    if (!actions.count(action)) return api_error(404, "no such gate endpoint: " + r.target);
    if (r.method != "POST") return method_not_allowed("POST");
    if (action == "approve") return text_response(200, "Approved");
    if (action == "halt") return text_response(403, "Forbidden");
    auto body = parse_body(r);
    if (auto* e = std::get_if<api_response>(&body)) return *e;
    const auto& b = std::get<json>(body);
    std::string name, ns;
    if (auto e = string_field(b, "name", name)) return api_error(400, *e);
    if (auto e = string_field(b, "namespace", ns)) return api_error(400, *e);
    if (name.empty() || ns.empty())
      return api_error(400, "body: expected {\"name\": ..., \"namespace\": ...}");
    const std::string key = (rollback ? "rollback." : "") + name + "." + ns;
    if (action == "open") {
      open_gates.insert(key);
      return text_response(202, "Gate opened");
    }
    if (action == "close") {
      open_gates.erase(key);
      return text_response(202, "Gate closed");
    }
    return open_gates.count(key) ? text_response(200, "Approved") : text_response(403, "Forbidden");
  }

  // --- Kayenta ---

  api_response kayenta_route(const target_parts& t, const api_request& r) {
    const auto& p = t.path;
    if (p[0] == "canaryConfig") {
      if (p.size() != 1) return api_error(404, "no such resource: " + r.target);
      if (r.method != "GET") return method_not_allowed("GET");
      const auto app = t.query.count("application") ? t.query.at("application") : "";
      return json_response(200, kayenta.list_configs(app));
    }
    if (p.size() != 2) return api_error(404, "no such resource: " + r.target);
    if (r.method == "GET") {
      const auto x = kayenta.execution(p[1]);
      if (!x) return api_error(404, "no canary execution \"" + p[1] + "\"");
      return json_response(200, *x);
    }
    if (r.method != "POST") return method_not_allowed("GET, POST");
    auto body = parse_body(r);
    if (auto* e = std::get_if<api_response>(&body)) return *e;
    const auto now = std::chrono::time_point_cast<core::millis>(std::chrono::system_clock::now());
    auto got = kayenta.start(p[1], std::get<json>(body), now);
    if (auto* no = std::get_if<kayenta_service::refusal>(&got))
      return api_error(no->status, no->message);
    ojson j;
    j["canaryExecutionId"] = std::get<std::string>(got);
    return json_response(200, j);
  }

  api_response route(const api_request& r) {
    const auto t = split_target(r.target);
    const auto& p = t.path;
    if (p.empty()) return api_error(404, "no such resource: " + r.target);
    const bool get_only =
        p.size() == 1 && (p[0] == "healthz" || p[0] == "readyz" || p[0] == "metrics");
    if (get_only && r.method != "GET") return method_not_allowed("GET");
    if (p.size() == 1 && p[0] == "healthz") return json_response(200, {{"status", "ok"}});
    if (p.size() == 1 && p[0] == "readyz")
      return ready ? json_response(200, {{"status", "ready"}})
                   : api_error(503, "not ready (the journal is being replayed, or shutting down)");
    if (p.size() == 1 && p[0] == "metrics") {
      const auto s = eng.stats();
      tel.engine_counts(eng.active(), s.query_errors, s.router_errors);
      return {200, "text/plain; version=0.0.4; charset=utf-8", tel.text(), {}};
    }
    const char* family = p[0] == "flagger" || p[0] == "gate" || p[0] == "rollback" ? "flagger"
                         : p[0] == "canary" || p[0] == "canaryConfig"              ? "kayenta"
                                                                                   : nullptr;
    if (!authorised(r, family)) {
      auto resp = api_error(401, "this call needs Authorization: Bearer <token>");
      resp.headers.emplace_back("WWW-Authenticate", "Bearer");
      return resp;
    }
    if (p.size() >= 3 && p[0] == "api" && p[1] == "v1" && p[2] == "analyses") return analyses(t, r);
    if (p.size() == 4 && p[0] == "api" && p[1] == "v1" && p[2] == "argo" && p[3] == "verdict")
      return argo_verdict(r);
    if (p.size() == 3 && p[0] == "api" && p[1] == "v1" && p[2] == "events")
      return method_not_allowed("GET");  // a GET is streamed by the server
    if (p[0] == "canaryConfig" || p[0] == "canary") return kayenta_route(t, r);
    if (p.size() == 2 && p[0] == "flagger") return flagger_hook(p[1], r);
    if (p.size() == 2 && (p[0] == "gate" || p[0] == "rollback")) return gate(p[0], p[1], r);
    return api_error(404, "no such resource: " + r.target);
  }
};

api::api(engine& e, telemetry& t, providers::ports::metrics_source& metrics, api_options o)
    : impl_(std::make_unique<impl>(e, t, metrics, std::move(o))) {}

api::~api() = default;

api_response api::handle(const api_request& r) {
  api_response resp;
  try {
    resp = impl_->route(r);
  } catch (const std::exception& e) {
    resp = api_error(500, std::string("internal error: ") + e.what());
  }
  impl_->tel.http(resp.status);
  return resp;
}

bool api::wants_events(const api_request& r, std::string& filter) const {
  if (r.method != "GET") return false;
  const auto t = split_target(r.target);
  if (t.path != std::vector<std::string>{"api", "v1", "events"}) return false;
  filter = t.query.count("analysis") ? t.query.at("analysis") : "";
  return true;
}

std::uint64_t api::subscribe(std::string filter, event_sink sink) {
  const auto id = impl_->next_subscriber++;
  impl_->subscribers[id] = {std::move(filter), std::move(sink)};
  return id;
}

void api::unsubscribe(std::uint64_t id) { impl_->subscribers.erase(id); }

void api::on_decision(const std::string& id, const core::decision& d) {
  impl_->tel.decision(core::decision_kind_name(d.kind));
  ojson j;
  j["analysis"] = id;
  j["decision"] = providers::ports::decision_to_json(d);
  impl_->publish(id, "decision", j);
}

void api::on_finished(const std::string& id, core::rollout_status s) {
  ojson j;
  j["analysis"] = id;
  j["status"] = core::rollout_status_name(s);
  impl_->publish(id, "finished", j);
}

void api::set_ready(bool ready) { impl_->ready = ready; }

}  // namespace floodgate::engine
