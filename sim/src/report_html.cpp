#include <floodgate/sim/report_html.hpp>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/core/decision.hpp>
#include <floodgate/core/value.hpp>

#include "svg_chart.hpp"

namespace floodgate::sim {

namespace {

using svg::escape;

constexpr const char* style = R"css(
body { font-family: sans-serif; margin: 24px auto; max-width: 800px; color: #222; }
h1 { font-size: 20px; margin-bottom: 4px; }
h2 { font-size: 16px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 20px 0 4px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 8px 0; }
dl.facts dt { color: #666; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.front td { font-weight: bold; }
.abort { color: #d7191c; } .promote { color: #1a9641; }
p.note { color: #555; font-size: 12px; }
p.empty { color: #888; font-style: italic; }
svg.chart { display: block; margin: 8px 0; }
)css";

double seconds(core::instant t, core::instant start) {
  return static_cast<double>((t - start).count()) / 1000.0;
}

std::string at_text(double s) { return (s < 0 ? "" : "+") + svg::seconds_label(s); }

std::string page(const report_header& h, const std::string& body) {
  std::string facts;
  for (const auto& [k, v] : h.facts)
    facts += fmt::format("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"generator\" content=\"floodgate\">\n<title>{t}</title>\n"
      "<style>{s}</style>\n</head>\n<body>\n<h1>{t}</h1>\n<dl class=\"facts\">{f}</dl>\n{b}"
      "</body>\n</html>\n",
      fmt::arg("t", escape(h.title)), fmt::arg("s", style), fmt::arg("f", facts),
      fmt::arg("b", body));
}

std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows,
                  const std::vector<std::string>& row_classes = {}) {
  std::string s = "<table>\n<tr>";
  for (const auto& h : head) s += "<th>" + escape(h) + "</th>";
  s += "</tr>\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string cls = i < row_classes.size() ? row_classes[i] : "";
    s += cls.empty() ? "<tr>" : "<tr class=\"" + cls + "\">";
    for (const auto& c : rows[i]) {
      const bool numeric = !c.empty() && (std::isdigit(static_cast<unsigned char>(c[0])) != 0 ||
                                          c[0] == '+' || c[0] == '-');
      s += (numeric ? "<td class=\"num\">" : "<td>") + escape(c) + "</td>";
    }
    s += "</tr>\n";
  }
  return s + "</table>\n";
}

const char* decision_colour(core::decision_kind k) {
  switch (k) {
    case core::decision_kind::abort:
      return svg::colour::abort;
    case core::decision_kind::promote:
      return svg::colour::promote;
    default:
      return svg::colour::neutral;
  }
}

std::string decision_label(const core::decision& d) {
  std::string s(core::decision_kind_name(d.kind));
  if (!d.reason.metric.empty()) s += ": " + d.reason.metric;
  return s;
}

// ---- a run ----

// One metric's path through a run, gathered from its looks.
struct metric_path {
  std::string metric;    // the plan's name, which decisions carry
  std::string name;      // as shown: "(background)" added for a background analysis's metric
  bool counts = false;   // a count comparison: event rates
  bool samples = false;  // a sample comparison: medians and 95th percentiles
  svg::line canary{"canary", svg::colour::canary, {}, false, false};
  svg::line baseline{"baseline", svg::colour::baseline, {}, false, false};
  svg::line canary_p95{"canary p95", svg::colour::canary, {}, false, true};
  svg::line baseline_p95{"baseline p95", svg::colour::baseline, {}, false, true};
  svg::line e_value{"e-value", svg::colour::canary, {}, false, false};
  svg::line p_value{"p-value", svg::colour::canary, {}, false, false};
  svg::line n{"canary n", svg::colour::canary, {}, true, false};
  svg::line required{"required n", svg::colour::threshold, {}, true, true};
  std::vector<svg::dot> failed;        // looks that failed or erred, on the canary's line
  std::vector<svg::marker> unplotted;  // those with no value to put them at: a line across
  std::optional<double> alpha;
  std::string statistic;
};

std::optional<double> first_number(const core::value& v) {
  if (v.is_number()) return v.as_double();
  if (v.kind() == core::value_kind::array && !v.items().empty() && v.items().front().is_number())
    return v.items().front().as_double();
  return std::nullopt;
}

const core::observation* observation_of(const replay_tick& t, const core::metric_request& r) {
  for (const auto& o : t.observations)
    if (o.request.background == r.background && o.request.metric == r.metric) return &o;
  return nullptr;
}

void add_look(metric_path& p, double x, const core::metric_look& look, const core::observation* o) {
  const auto& m = look.taken;
  std::optional<double> canary;
  if (o != nullptr) {
    if (const auto* d = std::get_if<core::comparison_data>(&o->result)) {
      if (!d->canary_samples.empty() || !d->baseline_samples.empty()) {
        p.samples = true;
        const auto q = [](const std::vector<double>& v, double pct) {
          return v.empty() ? NAN : analysis::percentile_r7(v, pct);
        };
        canary = q(d->canary_samples, 50);
        p.canary.points.emplace_back(x, *canary);
        p.baseline.points.emplace_back(x, q(d->baseline_samples, 50));
        p.canary_p95.points.emplace_back(x, q(d->canary_samples, 95));
        p.baseline_p95.points.emplace_back(x, q(d->baseline_samples, 95));
      } else {
        p.counts = true;
        const auto rate = [](const core::arm_counts& a) {
          return a.total > 0 ? 100.0 * a.events / a.total : NAN;
        };
        canary = rate(d->canary);
        p.canary.points.emplace_back(x, *canary);
        p.baseline.points.emplace_back(x, rate(d->baseline));
      }
    } else if (const auto* v = std::get_if<core::value>(&o->result)) {
      canary = first_number(*v);
      p.canary.name = "value";
      p.canary.points.emplace_back(x, canary.value_or(NAN));
    }
  }
  if (const auto& e = m.evidence) {
    if (e->e_value) p.e_value.points.emplace_back(x, *e->e_value);
    if (e->p_value && !e->e_value) p.p_value.points.emplace_back(x, *e->p_value);
    if (e->n) p.n.points.emplace_back(x, *e->n);
    if (e->required_n && std::isfinite(*e->required_n))
      p.required.points.emplace_back(x, std::ceil(*e->required_n));
    if (e->alpha) p.alpha = e->alpha;
    if (!e->statistic.empty()) p.statistic = e->statistic;
  }
  if (m.phase == core::phase::failed || m.phase == core::phase::error) {
    const bool failed = m.phase == core::phase::failed;
    const char* colour = failed ? svg::colour::abort : svg::colour::error;
    const std::string what = failed ? "failed look" : "error";
    if (!canary || !std::isfinite(*canary)) {
      p.unplotted.push_back({x, what + (m.value.empty() ? "" : " " + m.value.str()), colour});
      return;
    }
    svg::dot d;
    d.x = x;
    d.y = *canary;
    d.series = what;
    d.colour = colour;
    d.title = fmt::format("{} {}: {}", at_text(x), core::phase_name(m.phase), m.message);
    d.radius = 4.5;
    p.failed.push_back(std::move(d));
  }
}

std::vector<metric_path> metric_paths(const replay_result& r, core::instant start) {
  std::vector<metric_path> paths;
  std::map<std::string, std::size_t> index;
  for (const auto& t : r.ticks) {
    const double x = seconds(t.at, start);
    for (const auto& look : t.looks) {
      const std::string name = look.metric + (look.request.background ? " (background)" : "");
      auto [it, fresh] = index.try_emplace(name, paths.size());
      if (fresh) {
        paths.emplace_back();
        paths.back().metric = look.metric;
        paths.back().name = name;
      }
      add_look(paths[it->second], x, look, observation_of(t, look.request));
    }
  }
  return paths;
}

std::vector<svg::marker> decision_markers(const std::vector<core::decision>& ds,
                                          core::instant start, const std::string& metric) {
  std::vector<svg::marker> out;
  for (const auto& d : ds) {
    if (d.kind == core::decision_kind::set_weight) continue;
    if (!metric.empty() && d.reason.metric != metric) continue;
    out.push_back({seconds(d.at, start), decision_label(d), decision_colour(d.kind)});
  }
  return out;
}

// The canary's weight (%) as a step line through (seconds from the start, weight) points.
svg::chart weight_chart_of(std::string title, std::vector<std::pair<double, double>> points) {
  svg::chart c;
  c.title = std::move(title);
  c.x_label = "time since the start";
  c.y_label = "canary traffic (%)";
  c.x_seconds = true;
  c.lines.push_back({"weight", svg::colour::weight, std::move(points), true, false});
  return c;
}

std::string weight_chart(const replay_result& r, core::instant start) {
  std::vector<std::pair<double, double>> w;
  w.emplace_back(0.0, r.ticks.empty() ? 0.0 : r.ticks.front().weight);
  for (const auto& d : r.decisions) w.emplace_back(seconds(d.at, start), d.weight);
  w.emplace_back(seconds(r.ended_at, start), r.weight);
  auto c = weight_chart_of("Canary weight", std::move(w));
  c.markers = decision_markers(r.decisions, start, "");
  return c.render(760, 220);
}

// The metric's charts over the run's span [0, end] s, aligned with the weight chart.
std::string metric_charts(const metric_path& p, const std::vector<core::decision>& decisions,
                          core::instant start, double end) {
  std::string s = "<h3>" + escape(p.name) +
                  (p.statistic.empty() ? "" : " — " + escape(p.statistic)) + "</h3>\n";
  svg::chart c;
  c.x_seconds = true;
  c.x_label = "time since the start";
  c.x_include = {0.0, end};
  c.markers = decision_markers(decisions, start, p.metric);
  c.markers.insert(c.markers.end(), p.unplotted.begin(), p.unplotted.end());
  c.dots = p.failed;
  for (const auto& d : p.failed)
    if (std::none_of(c.legend.begin(), c.legend.end(),
                     [&](const auto& e) { return e.first == d.series; }))
      c.legend.emplace_back(d.series, d.colour);
  if (p.counts) {
    c.title = p.name + ": canary against baseline";
    c.y_label = "events / requests (%)";
    c.lines = {p.canary, p.baseline};
  } else if (p.samples) {
    c.title = p.name + ": canary against baseline";
    c.y_label = "sample median and p95";
    c.lines = {p.canary, p.baseline, p.canary_p95, p.baseline_p95};
  } else {
    c.title = p.name + ": value";
    c.y_label = "value";
    c.y_from_zero = false;
    c.lines = {p.canary};
  }
  s += c.render();
  if (!p.e_value.points.empty() || !p.p_value.points.empty()) {
    const bool e = !p.e_value.points.empty();
    svg::chart ev;
    ev.title = p.name + (e ? ": e-value (anytime-valid)" : ": p-value at each look");
    ev.x_label = "time since the start";
    ev.y_label = e ? "e-value (log scale)" : "p-value (log scale)";
    ev.x_seconds = true;
    ev.x_include = c.x_include;
    ev.log_y = true;
    ev.lines = {e ? p.e_value : p.p_value};
    ev.markers = c.markers;
    if (p.alpha) {
      ev.thresholds.push_back(
          e ? svg::threshold{1.0 / *p.alpha, fmt::format("fails at e ≥ 1/α = {}",
                                                         svg::number_label(1.0 / *p.alpha))}
            : svg::threshold{*p.alpha,
                             fmt::format("fails at p < α = {}", svg::number_label(*p.alpha))});
    }
    s += ev.render(760, 220);
  }
  if (!p.n.points.empty() && !p.required.points.empty()) {
    svg::chart nc;
    nc.title = p.name + ": canary sample against the n its test needs";
    nc.x_label = "time since the start";
    nc.y_label = p.counts ? "canary requests" : "canary samples";
    nc.x_seconds = true;
    nc.x_include = c.x_include;
    nc.lines = {p.n, p.required};
    s += nc.render(760, 200);
  }
  return s;
}

std::string decision_table(const std::vector<core::decision>& ds, core::instant start) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> classes;
  for (const auto& d : ds) {
    std::string why = d.reason.rule;
    if (!d.reason.metric.empty()) why += ": " + d.reason.metric;
    if (!d.reason.detail.empty()) why += " — " + d.reason.detail;
    why += core::format_evidence(d.reason);
    rows.push_back({at_text(seconds(d.at, start)), std::to_string(d.step + 1),
                    std::string(core::decision_kind_name(d.kind)), std::to_string(d.weight), why});
    classes.emplace_back(d.kind == core::decision_kind::abort     ? "abort"
                         : d.kind == core::decision_kind::promote ? "promote"
                                                                  : "");
  }
  if (rows.empty()) return "<p class=\"empty\">No decisions.</p>\n";
  return table({"at", "step", "decision", "weight %", "why"}, rows, classes);
}

std::string run_sections(const replay_result& r, core::instant start) {
  std::string s = fmt::format(
      "<p>{} at {}, step {}/{}, weight {} %, after {} ticks and {} decisions.</p>\n",
      escape(r.ended), at_text(seconds(r.ended_at, start)), std::min(r.step + 1, r.steps), r.steps,
      r.weight, r.ticks.size(), r.decisions.size());
  s += weight_chart(r, start);
  s += "<h2>Metrics</h2>\n";
  const auto paths = metric_paths(r, start);
  if (paths.empty()) s += "<p class=\"empty\">No metric was measured.</p>\n";
  for (const auto& p : paths) s += metric_charts(p, r.decisions, start, seconds(r.ended_at, start));
  s += "<h2>Decisions</h2>\n" + decision_table(r.decisions, start);
  return s;
}

// ---- Monte Carlo ----

struct histogram_series {
  std::string name;
  std::string colour;
  std::vector<double> values;
};

// The greatest common divisor of the values when all are whole numbers (seconds, requests),
// else 0.
double lattice_spacing(const std::vector<histogram_series>& series) {
  long long g = 0;
  for (const auto& s : series)
    for (double v : s.values) {
      if (!std::isfinite(v)) continue;
      if (std::abs(v - std::round(v)) > 1e-6 || std::abs(v) > 1e15) return 0;
      g = std::gcd(g, std::llabs(std::llround(v)));
    }
  return static_cast<double>(g);
}

// Stacked histogram of the series over shared bins of a round width (about √n bins, 5–40).
svg::chart histogram(const std::string& title, const std::string& x_label, bool x_seconds,
                     const std::vector<histogram_series>& series) {
  svg::chart c;
  c.title = title;
  c.x_label = x_label;
  c.y_label = "runs";
  c.x_seconds = x_seconds;
  double lo = INFINITY;
  double hi = -INFINITY;
  std::size_t n = 0;
  for (const auto& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        ++n;
      }
  if (n == 0) return c;
  const auto bins =
      std::clamp(static_cast<double>(std::ceil(std::sqrt(static_cast<double>(n)))), 5.0, 40.0);
  double width = svg::nice_step(std::max(hi - lo, 1e-9), static_cast<int>(bins));
  if (x_seconds) width = std::max(width, 1.0);
  double first = std::floor(lo / width) * width;
  // Values on a lattice (decisions come at whole intervals, 60 s apart): bins narrower than its
  // spacing would alternate full and empty; one bin per lattice point, centred on it, instead.
  const auto spacing = lattice_spacing(series);
  if (spacing > width) {
    width = spacing;
    first = std::round(lo / spacing) * spacing - spacing / 2;
  }
  const auto count = static_cast<std::size_t>(std::floor((hi - first) / width)) + 1;
  std::vector<double> height(count, 0.0);
  for (const auto& s : series) {
    std::vector<double> mine(count, 0.0);
    for (double v : s.values)
      if (std::isfinite(v))
        mine[std::min(count - 1, static_cast<std::size_t>((v - first) / width))] += 1;
    for (std::size_t b = 0; b < count; ++b) {
      if (mine[b] == 0) continue;
      const double x0 = first + static_cast<double>(b) * width;
      const auto label = [&](double v) {
        return x_seconds ? svg::seconds_label(v) : svg::number_label(v);
      };
      c.bars.push_back(
          {x0, x0 + width, height[b], height[b] + mine[b], s.name, s.colour,
           fmt::format("{}: {} runs in [{}, {})", s.name, mine[b], label(x0), label(x0 + width))});
      height[b] += mine[b];
    }
    c.legend.emplace_back(s.name, s.colour);
  }
  return c;
}

// ---- sweep ----

// False-abort rate against one objective; the front's points coloured and labelled.
std::string front_chart(const sweep_result& r, const std::string& title, const std::string& y_label,
                        bool y_seconds, double (*objective)(const sweep_point&)) {
  svg::chart c;
  c.title = title;
  c.x_label = "false-abort rate (healthy canaries aborted)";
  c.y_label = y_label;
  c.y_seconds = y_seconds;
  c.x_include = {0.0, 0.01};
  // The front last, so that its points and labels are drawn over the others.
  for (const bool front : {false, true}) {
    for (const auto& p : r.points) {
      if (p.pareto != front) continue;
      const double y = objective(p);
      svg::dot d;
      d.x = p.false_abort.rate;
      d.y = y;
      d.series = front ? "front point" : "dominated point";
      d.colour = front ? svg::colour::canary : svg::colour::neutral;
      d.title = fmt::format("{}: false aborts {:.4f}, {} {}", settings_text(p), d.x, y_label,
                            y_seconds ? svg::seconds_label(y) : svg::number_label(y));
      if (front) d.label = settings_text(p);
      c.dots.push_back(std::move(d));
    }
  }
  c.legend = {{"on the Pareto front", svg::colour::canary}, {"dominated", svg::colour::neutral}};
  return c.render(760, 320);
}

// ---- capacity plan ----

std::string count_label(double v) {
  return std::isfinite(v) ? fmt::format("{:.0f}", std::ceil(v)) : "never";
}

std::string capacity_weight_chart(const capacity_plan& p) {
  std::vector<std::pair<double, double>> w{{0.0, 0.0}};
  for (const auto& st : p.steps) w.emplace_back(st.start_s, st.weight * 100.0);
  // The last weight holds to the plan's end (its total; the last start when it never ends).
  w.emplace_back(std::isfinite(p.total_seconds) ? p.total_seconds : w.back().first,
                 p.steps.empty() ? 0.0 : p.steps.back().weight * 100.0);
  return weight_chart_of("Canary weight over the plan", std::move(w)).render(760, 220);
}

// Per step, the canary requests accrued since the step began (a step's analysis counts its own)
// against the n the test needs, and where the step reaches it.
std::string capacity_test_chart(const capacity_report_test& t) {
  svg::chart c;
  c.title = t.name + ": canary requests against the n the test needs";
  c.x_label = "time since the start";
  c.y_label = "canary requests in the step";
  c.x_seconds = true;
  svg::line accrued{"accrued", svg::colour::canary, {}, false, false};
  svg::line needed{"required n", svg::colour::threshold, {}, false, true};
  for (std::size_t i = 0; i < t.plan.steps.size(); ++i) {
    const auto& st = t.plan.steps[i];
    if (st.weight <= 0) continue;
    const double d = st.ran_seconds();
    if (!std::isfinite(d)) continue;
    accrued.points.emplace_back(st.start_s, 0.0);
    accrued.points.emplace_back(st.start_s + d, st.canary_requests);
    accrued.points.emplace_back(NAN, NAN);  // each step starts from zero
    needed.points.emplace_back(st.start_s, st.required_canary_requests);
    needed.points.emplace_back(st.start_s + d, st.required_canary_requests);
    needed.points.emplace_back(NAN, NAN);
    if (std::isfinite(st.required_seconds) && st.required_seconds <= d) {
      svg::dot x;
      x.x = st.start_s + st.required_seconds;
      x.y = st.required_canary_requests;
      x.series = "n reached";
      x.colour = svg::colour::promote;
      x.title = fmt::format("step {}: the test has its n after {}", i + 1,
                            svg::seconds_label(st.required_seconds));
      c.dots.push_back(std::move(x));
    }
  }
  c.lines = {accrued, needed};
  c.legend = {{"n reached", svg::colour::promote}};
  return c.render(760, 240);
}

std::string capacity_step_table(const capacity_report_test& t,
                                const std::vector<std::string>& names) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> classes;
  for (std::size_t i = 0; i < t.plan.steps.size(); ++i) {
    const auto& st = t.plan.steps[i];
    rows.push_back(
        {std::to_string(i + 1), i < names.size() ? names[i] : "",
         fmt::format("{:g}", st.weight * 100.0),
         st.open_ended ? "until decided" : svg::seconds_label(st.duration_s),
         count_label(st.canary_requests), count_label(st.required_canary_requests),
         std::isfinite(st.required_seconds) ? svg::seconds_label(st.required_seconds) : "never",
         st.long_enough ? "yes" : "no",
         std::isfinite(st.detectable_effect) ? fmt::format("{:.4g}", st.detectable_effect) : "-"});
    classes.emplace_back(st.long_enough ? "" : "abort");
  }
  return table({"step", "what", "weight %", "as written", "canary requests", "required n",
                "shortest", "long enough", "detects δ ≥"},
               rows, classes);
}

}  // namespace

std::string capacity_html(const capacity_report& r, const report_header& h) {
  std::string body;
  if (!r.tests.empty()) body += capacity_weight_chart(r.tests.front().plan);
  for (const auto& t : r.tests) {
    body += "<h2>" + escape(t.name) + " (" + escape(t.model) + ")</h2>\n";
    body += fmt::format(
        "<p>The plan as written: {}; every step cut to what its test needs: {}. Smallest "
        "regression it detects as written: {}.</p>\n",
        svg::seconds_label(t.plan.total_seconds), svg::seconds_label(t.plan.shortest_seconds),
        std::isfinite(t.plan.detectable_effect) ? fmt::format("{:.4g}", t.plan.detectable_effect)
                                                : "none");
    body += capacity_test_chart(t);
    body += capacity_step_table(t, r.steps);
    if (!t.by_start.empty()) {
      svg::chart c;
      c.title = t.name + ": the plan's duration by start time";
      c.x_label = "start (time into the traffic's period)";
      c.y_label = "duration";
      c.y_seconds = true;
      c.x_seconds = true;
      const double width = r.curve != nullptr && r.curve->period() > 0
                               ? r.curve->period() / static_cast<double>(t.by_start.size())
                               : 3600.0;
      for (const auto& b : t.by_start) {
        const std::string when = r.when ? r.when(b.start_s) : svg::seconds_label(b.start_s);
        c.bars.push_back({b.start_s, b.start_s + width * 0.9, 0.0, b.plan.total_seconds,
                          "as written", svg::colour::weight,
                          fmt::format("start {}: {} as written, {} cut to the tests' n", when,
                                      svg::seconds_label(b.plan.total_seconds),
                                      svg::seconds_label(b.plan.shortest_seconds))});
        c.bars.push_back({b.start_s + width * 0.45, b.start_s + width * 0.9, 0.0,
                          b.plan.shortest_seconds, "every step exactly its test's n",
                          svg::colour::baseline,
                          fmt::format("start {}: {} cut to the tests' n", when,
                                      svg::seconds_label(b.plan.shortest_seconds))});
      }
      c.legend = {{"as written", svg::colour::weight},
                  {"every step exactly its test's n", svg::colour::baseline}};
      body += c.render();
    }
  }
  if (r.curve != nullptr && !r.curve->is_constant()) {
    svg::chart c;
    c.title = "Traffic over its period";
    c.x_label = "time into the period";
    c.y_label = "requests per second";
    c.x_seconds = true;
    svg::line rate{"total rate", svg::colour::weight, {}, false, false};
    const double period = r.curve->period();
    for (int i = 0; i <= 288; ++i) {
      const double t = period * i / 288.0;
      rate.points.emplace_back(t, r.curve->rate_at(t));
    }
    c.lines.push_back(std::move(rate));
    c.markers.push_back({std::fmod(r.start_s, period), "the plan starts", svg::colour::neutral});
    body += "<h2>Traffic</h2>\n" + c.render();
  }
  if (!r.notes.empty()) {
    body += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& n : r.notes) body += "<li>" + escape(n) + "</li>\n";
    body += "</ul>\n";
  }
  return page(h, body);
}

std::string timeline_html(const replay_result& r, core::instant start, const report_header& h) {
  return page(h, "<h2>Timeline</h2>\n" + run_sections(r, start));
}

std::string monte_carlo_html(const monte_carlo_result& r, const report_header& h,
                             core::instant start) {
  std::vector<std::vector<std::string>> rows = {
      {"runs", fmt::format("{} (seeds from {})", r.runs, r.seed)},
      {"promoted / aborted / undecided",
       fmt::format("{} / {} / {}", r.promoted, r.aborted, r.undecided)},
      {"false-abort rate", format_estimate(r.false_abort)}};
  if (r.regression_at) {
    rows.push_back({"detection rate", format_estimate(r.detection)});
    rows.push_back({"time to detect (s)", format_estimate(r.detect_s)});
    rows.push_back({"bad requests served", format_estimate(r.bad_requests)});
  }
  rows.push_back({"time to decision (s)", format_estimate(r.decision_s)});
  std::string body = "<h2>Estimates</h2>\n" + table({"", "estimate [95 % interval]"}, rows);
  body +=
      "<p class=\"note\">Rates: Wilson score intervals. Means: mean ± 1.96·s/√n. Percentiles: "
      "R-7.";
  if (r.regression_at && r.regression_at->count() == 0)
    body += " The canary is bad from the start: no abort is a false abort.";
  else if (r.regression_at)
    body += " The canary regresses " +
            svg::seconds_label(static_cast<double>(r.regression_at->count()) / 1000.0) +
            " after the start; an abort before that is a false abort.";
  body += "</p>\n<h2>Distributions</h2>\n";
  std::vector<double> promoted, aborted, detect, bad;
  for (const auto& o : r.outcomes) {
    if (o.promoted) promoted.push_back(o.decided_s);
    if (o.aborted) aborted.push_back(o.decided_s);
    if (o.detected) detect.push_back(o.detect_s);
    if (r.regression_at) bad.push_back(o.bad_requests);
  }
  auto decided = histogram(
      "Time to decision", "seconds from the start to the decision", true,
      {{"promoted", svg::colour::promote, promoted}, {"aborted", svg::colour::abort, aborted}});
  if (r.regression_at && !decided.bars.empty())
    decided.markers.push_back({static_cast<double>(r.regression_at->count()) / 1000.0, "regression",
                               svg::colour::neutral});
  body += decided.render();
  if (r.regression_at) {
    body += histogram("Time to detect", "seconds from the regression to the abort", true,
                      {{"detected", svg::colour::abort, detect}})
                .render();
    body += histogram("Bad requests served", "canary requests served under the regression", false,
                      {{"runs", svg::colour::canary, bad}})
                .render();
  }
  if (r.first) body += "<h2>The first run, in full</h2>\n" + run_sections(*r.first, start);
  return page(h, body);
}

std::string sweep_html(const sweep_result& r, const report_header& h) {
  const bool regression = !r.points.empty() && r.points.front().detection.has_value();
  std::vector<std::string> head = {"settings", "false-abort rate [95 %]"};
  if (regression) head.insert(head.end(), {"detection [95 %]", "time to detect", "bad requests"});
  head.insert(head.end(), {"time to decision", "front"});
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> classes;
  for (const auto& p : r.points) {
    std::vector<std::string> row = {settings_text(p), format_estimate(p.false_abort)};
    if (regression) {
      row.push_back(format_estimate(*p.detection));
      row.push_back(p.detect_s->n ? svg::seconds_label(p.detect_s->mean) : "-");
      row.push_back(fmt::format("{:.1f}", p.bad_requests->mean));
    }
    row.push_back(p.decision_s.n ? svg::seconds_label(p.decision_s.mean) : "-");
    row.push_back(p.pareto ? "yes" : "");
    rows.push_back(std::move(row));
    classes.emplace_back(p.pareto ? "front" : "");
  }
  std::string body = "<h2>Pareto front</h2>\n";
  body +=
      "<p class=\"note\">A point is on the front when no other point is as good on every "
      "objective and better on one: ";
  body += regression ? "false-abort rate, mean time to detect, mean bad requests served."
                     : "false-abort rate, mean time to decision.";
  body += "</p>\n";
  if (regression) {
    body +=
        front_chart(r, "False aborts against time to detect", "mean time to detect", true,
                    [](const sweep_point& p) { return p.detect_s->n ? p.detect_s->mean : NAN; });
    body += front_chart(r, "False aborts against bad requests served", "mean bad requests", false,
                        [](const sweep_point& p) { return p.bad_requests->mean; });
  } else {
    body +=
        front_chart(r, "False aborts against time to decision", "mean time to decision", true,
                    [](const sweep_point& p) { return p.decision_s.n ? p.decision_s.mean : NAN; });
  }
  body += "<h2>Every point</h2>\n" + table(head, rows, classes);
  return page(h, body);
}

}  // namespace floodgate::sim
