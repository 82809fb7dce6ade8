// Reading a synthetic-traffic scenario (scenario.hpp): floodgate's resource style (apiVersion,
// kind: Scenario, metadata, spec), every field checked and every error located.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <floodgate/config/scenario.hpp>
#include <floodgate/core/value.hpp>
#include <numbers>

#include "yaml_reader.hpp"

namespace floodgate::config {

std::optional<core::millis> scenario::canary_regression_at() const {
  for (const auto& r : regressions) {
    if (r.arm != "canary") continue;
    if (r.error_multiply > 1 || r.error_add > 0 || r.latency_multiply > 1 || r.latency_add > 0)
      return r.at;
  }
  return std::nullopt;
}

double scenario::rps_at(core::instant at) const {
  constexpr double day_ms = 86400000.0;
  const double t = static_cast<double>(at.time_since_epoch().count());
  const double peak = static_cast<double>(diurnal_peak.count());
  return rps * (1 + diurnal_amplitude * std::cos(2 * std::numbers::pi * (t - peak) / day_ms));
}

namespace {

using detail::at;
using detail::child;
using detail::reader;
using detail::yaml_node;

// A number, checked against [low, high] (open at the ends marked so).
void number_in(reader& r, const yaml_node& parent, const std::string& ptr, std::string_view key,
               double low, double high, bool low_open, bool high_open, const std::string& expected,
               double& out) {
  const auto v = r.number(parent, ptr, key);
  if (!v) return;
  const bool ok = (low_open ? *v > low : *v >= low) && (high_open ? *v < high : *v <= high);
  if (!ok) {
    r.error(at(parent, key), child(ptr, key),
            "found " + core::format_float_plain(*v) + ", expected " + expected);
    return;
  }
  out = *v;
}

// A positive duration in seconds (latencies: "80ms", "1.5s").
std::optional<double> seconds(reader& r, const yaml_node& n, const std::string& ptr) {
  if (!n.is_scalar()) {
    r.error(n, ptr, "found " + detail::kind_of(n) + ", expected a duration such as 80ms");
    return std::nullopt;
  }
  const auto d = r.duration_of(n.scalar(), n, ptr);
  if (!d) return std::nullopt;
  return static_cast<double>(d->count()) / 1000.0;
}

void read_labels(reader& r, const yaml_node& n, const std::string& ptr,
                 std::map<std::string, std::string>& out) {
  if (!n.defined()) return;
  if (!n.is_map()) {
    r.error(n, ptr, "found " + detail::kind_of(n) + ", expected a map of label: value");
    return;
  }
  for (const auto& pair : n) {
    if (!pair.second.is_scalar() || pair.second.is_null()) {
      r.error(pair.second, child(ptr, pair.first.scalar()),
              "found " + detail::kind_of(pair.second) + ", expected a label value");
      continue;
    }
    out[pair.first.scalar()] = pair.second.scalar();
  }
}

void read_latency(reader& r, const yaml_node& n, const std::string& ptr, latency_model& out) {
  if (!r.map(n, ptr, {"lognormal", "empirical"})) return;
  const auto log = at(n, "lognormal");
  const auto emp = at(n, "empirical");
  if (log.defined() == emp.defined()) {
    r.error(n, ptr, "expected exactly one of lognormal or empirical");
    return;
  }
  if (log.defined()) {
    const auto p = child(ptr, "lognormal");
    if (!r.map(log, p, {"median", "sigma"})) return;
    out.k = latency_model::kind::lognormal;
    if (const auto m = at(log, "median"); m.defined()) {
      if (const auto s = seconds(r, m, child(p, "median"))) out.median = *s;
    } else {
      r.error(log, child(p, "median"), "missing; expected a duration such as 80ms");
    }
    number_in(r, log, p, "sigma", 0, 10, true, false, "a σ of the log in (0, 10]", out.sigma);
    return;
  }
  const auto p = child(ptr, "empirical");
  if (!r.map(emp, p, {"bounds", "cumulative"})) return;
  out.k = latency_model::kind::empirical;
  const auto b = at(emp, "bounds");
  const auto c = at(emp, "cumulative");
  if (!r.sequence(b, child(p, "bounds")) || !r.sequence(c, child(p, "cumulative"))) return;
  out.bounds.clear();
  out.cumulative.clear();
  for (std::size_t i = 0; i < b.size(); ++i) {
    const auto bp = child(child(p, "bounds"), i);
    const auto s = seconds(r, b[i], bp);
    if (!s) continue;
    if (!out.bounds.empty() && *s <= out.bounds.back())
      r.error(b[i], bp, "expected bounds in increasing order");
    out.bounds.push_back(*s);
  }
  for (std::size_t i = 0; i < c.size(); ++i) {
    const auto cp = child(child(p, "cumulative"), i);
    const auto v = c[i].is_scalar() ? core::parse_go_float(c[i].scalar()) : std::nullopt;
    if (!v || !(*v >= 0 && *v <= 1) || (!out.cumulative.empty() && *v < out.cumulative.back())) {
      r.error(c[i], cp,
              "found " + detail::kind_of(c[i]) +
                  ", expected a share of requests in [0, 1], not below the one before");
      continue;
    }
    out.cumulative.push_back(*v);
  }
  if (b.size() != c.size() || b.size() == 0) {
    r.error(emp, p, "expected as many cumulative shares as bounds, at least one");
  } else if (!out.cumulative.empty() && out.cumulative.back() != 1.0) {
    r.error(c[c.size() - 1], child(child(p, "cumulative"), c.size() - 1),
            "expected 1 for the last bound: every request is below it");
  }
}

void read_arm(reader& r, const yaml_node& n, const std::string& ptr, arm_traffic& out) {
  if (!n.defined()) return;
  if (!r.map(n, ptr, {"labels", "errorRate", "latency"})) return;
  if (at(n, "labels").defined()) {
    out.labels.clear();
    read_labels(r, at(n, "labels"), child(ptr, "labels"), out.labels);
  }
  number_in(r, n, ptr, "errorRate", 0, 1, false, false, "a share of requests in [0, 1]",
            out.error_rate);
  if (at(n, "latency").defined())
    read_latency(r, at(n, "latency"), child(ptr, "latency"), out.latency);
}

void read_regression(reader& r, const yaml_node& n, const std::string& ptr, regression& out) {
  if (!r.map(n, ptr, {"at", "arm", "errorRate", "latency"})) return;
  if (const auto d = r.duration(n, ptr, "at"))
    out.at = *d;
  else if (!at(n, "at").defined())
    r.error(n, child(ptr, "at"), "missing; expected a duration after the start such as 10m");
  if (const auto a = r.string(n, ptr, "arm")) {
    if (*a != "canary" && *a != "baseline")
      r.error(at(n, "arm"), child(ptr, "arm"), "found \"" + *a + "\", expected canary or baseline");
    else
      out.arm = *a;
  }
  const auto e = at(n, "errorRate");
  if (e.defined() && r.map(e, child(ptr, "errorRate"), {"multiply", "add"})) {
    const auto p = child(ptr, "errorRate");
    number_in(r, e, p, "multiply", 0, 1e6, false, false, "a factor ≥ 0", out.error_multiply);
    number_in(r, e, p, "add", -1, 1, false, false, "a share in [-1, 1]", out.error_add);
  }
  const auto l = at(n, "latency");
  if (l.defined() && r.map(l, child(ptr, "latency"), {"multiply", "add"})) {
    const auto p = child(ptr, "latency");
    number_in(r, l, p, "multiply", 0, 1e6, true, false, "a factor > 0", out.latency_multiply);
    if (const auto a = at(l, "add"); a.defined())
      if (const auto s = seconds(r, a, child(p, "add"))) out.latency_add = *s;
  }
  if (!e.defined() && !l.defined()) r.error(n, ptr, "expected errorRate or latency: what changes");
}

// "14:00" → milliseconds after midnight.
std::optional<core::millis> time_of_day(const std::string& s) {
  int h = 0;
  int m = 0;
  char extra = 0;
  if (std::sscanf(s.c_str(), "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
    return std::nullopt;
  return core::millis{(h * 60LL + m) * 60000};
}

void read_spec(reader& r, const yaml_node& spec, const std::string& ptr, scenario& out) {
  if (!r.map(spec, ptr,
             {"seed", "traffic", "scrapeInterval", "warmup", "duration", "labels", "series",
              "baseline", "canary", "regressions"}))
    return;
  if (at(spec, "seed").defined()) {
    if (const auto s = r.integer(spec, ptr, "seed")) {
      if (*s < 0)
        r.error(at(spec, "seed"), child(ptr, "seed"), "expected a seed ≥ 0");
      else
        out.seed = static_cast<std::uint64_t>(*s);
    }
  }
  const auto t = at(spec, "traffic");
  const auto tp = child(ptr, "traffic");
  if (r.map(t, tp, {"rps", "diurnal"})) {
    if (!at(t, "rps").defined())
      r.error(t, child(tp, "rps"), "missing; expected requests per second");
    number_in(r, t, tp, "rps", 0, 1e9, true, false, "requests per second > 0", out.rps);
    const auto d = at(t, "diurnal");
    const auto dp = child(tp, "diurnal");
    if (d.defined() && r.map(d, dp, {"amplitude", "peak"})) {
      number_in(r, d, dp, "amplitude", 0, 1, false, true, "a share in [0, 1)",
                out.diurnal_amplitude);
      if (const auto p = r.string(d, dp, "peak")) {
        if (const auto tod = time_of_day(*p))
          out.diurnal_peak = *tod;
        else
          r.error(at(d, "peak"), child(dp, "peak"),
                  "found \"" + *p + "\", expected a UTC time of day such as 14:00");
      }
    }
  }
  for (auto [key, field] :
       {std::pair{"scrapeInterval", &out.scrape_interval}, std::pair{"warmup", &out.warmup},
        std::pair{"duration", &out.duration}}) {
    if (const auto d = r.duration(spec, ptr, key)) {
      if (d->count() <= 0 && std::string_view(key) != "warmup")
        r.error(at(spec, key), child(ptr, key), "expected a duration > 0");
      else
        *field = *d;
    }
  }
  read_labels(r, at(spec, "labels"), child(ptr, "labels"), out.labels);
  const auto s = at(spec, "series");
  const auto sp = child(ptr, "series");
  if (s.defined() && r.map(s, sp, {"requests", "latency", "buckets"})) {
    out.requests_metric = r.string(s, sp, "requests").value_or(out.requests_metric);
    out.latency_metric = r.string(s, sp, "latency").value_or(out.latency_metric);
    const auto b = at(s, "buckets");
    if (b.defined() && r.sequence(b, child(sp, "buckets"))) {
      out.buckets.clear();
      for (std::size_t i = 0; i < b.size(); ++i) {
        const auto v = core::parse_go_float(b[i].scalar());
        if (!v || !std::isfinite(*v) || *v <= 0 ||
            (!out.buckets.empty() && *v <= out.buckets.back())) {
          r.error(b[i], child(child(sp, "buckets"), i),
                  "found " + detail::kind_of(b[i]) +
                      ", expected bucket bounds in seconds, > 0 and increasing");
          continue;
        }
        out.buckets.push_back(*v);
      }
      if (b.size() == 0) r.error(b, child(sp, "buckets"), "expected at least one bucket bound");
    }
  }
  out.baseline.labels = {{"track", "stable"}};
  read_arm(r, at(spec, "baseline"), child(ptr, "baseline"), out.baseline);
  // The canary is the baseline's version unless it says otherwise.
  out.canary.error_rate = out.baseline.error_rate;
  out.canary.latency = out.baseline.latency;
  out.canary.labels = {{"track", "canary"}};
  read_arm(r, at(spec, "canary"), child(ptr, "canary"), out.canary);
  const auto regs = at(spec, "regressions");
  if (regs.defined() && r.sequence(regs, child(ptr, "regressions"))) {
    for (std::size_t i = 0; i < regs.size(); ++i) {
      regression g;
      read_regression(r, regs[i], child(child(ptr, "regressions"), i), g);
      out.regressions.push_back(g);
    }
    std::stable_sort(out.regressions.begin(), out.regressions.end(),
                     [](const auto& a, const auto& b) { return a.at < b.at; });
  }
}

}  // namespace

std::variant<scenario, std::vector<diagnostic>> read_scenario(const source_file& file) {
  std::vector<diagnostic> errors;
  auto parsed = detail::parse_document(file);
  if (auto* e = std::get_if<diagnostic>(&parsed)) return std::vector<diagnostic>{std::move(*e)};
  const auto tree = std::get<std::shared_ptr<const detail::yaml_tree>>(std::move(parsed));
  const yaml_node root = tree->root();
  reader r(file.name, errors);
  scenario out;
  if (r.map(root, "", {"apiVersion", "kind", "metadata", "spec"})) {
    const auto api = r.string(root, "", "apiVersion", true);
    if (api && *api != "floodgate.dev/v1")
      r.error(at(root, "apiVersion"), "/apiVersion",
              "found \"" + *api + "\", expected floodgate.dev/v1");
    const auto kind = r.string(root, "", "kind", true);
    if (kind && *kind != "Scenario")
      r.error(at(root, "kind"), "/kind", "found \"" + *kind + "\", expected Scenario");
    const auto meta = at(root, "metadata");
    if (meta.defined() && r.map(meta, "/metadata", {"name"}, {"labels", "annotations"}))
      out.name = r.string(meta, "/metadata", "name").value_or("");
    if (!at(root, "spec").defined())
      r.error(root, "/spec", "missing; expected the scenario");
    else
      read_spec(r, at(root, "spec"), "/spec", out);
  }
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace floodgate::config
