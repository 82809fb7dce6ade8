#include <floodgate/sim/plan_outline.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <floodgate/core/duration.hpp>

namespace floodgate::sim {
namespace {

constexpr double open_ended = std::numeric_limits<double>::quiet_NaN();

double seconds(core::millis d) { return static_cast<double>(d.count()) / 1000.0; }

std::optional<sample_size_model> model_of(const core::comparison_metric& c) {
  switch (c.test) {
    case core::comparison_test::two_proportion:
      return c.model == core::sample_size_model::quick ? sample_size_model::quick
                                                       : sample_size_model::two_sample;
    case core::comparison_test::sequential_counts:
      return sample_size_model::sequential;
    case core::comparison_test::mann_whitney:
      return sample_size_model::mann_whitney;
    case core::comparison_test::quantile:
      return sample_size_model::quantile;
    case core::comparison_test::welch:
      return sample_size_model::welch;
    case core::comparison_test::kayenta:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string condition_text(const core::threshold_metric& m) {
  if (m.success_condition) return "successCondition " + m.success_condition->text;
  if (m.failure_condition) return "failureCondition " + m.failure_condition->text;
  return "no condition";
}

// Adds each metric once: comparison metrics to be sized, the others as notes saying why not.
void collect(const std::vector<core::threshold_metric>& metrics, plan_outline& out,
             std::set<std::string>& seen) {
  for (const auto& m : metrics) {
    if (!seen.insert(m.name).second) continue;
    if (!m.compare) {
      out.notes.push_back("metric \"" + m.name + "\" is a fixed threshold (" + condition_text(m) +
                          "): it decides on every look whatever the sample, so no sample size "
                          "applies; `floodgate simulate --scenario` shows how often it aborts a "
                          "healthy canary");
      continue;
    }
    const auto model = model_of(*m.compare);
    if (!model) {
      out.notes.push_back("metric \"" + m.name +
                          "\" uses the Kayenta judge, which has no sample-size model");
      continue;
    }
    out.metrics.push_back({m.name, *model, m.compare->alpha, m.compare->power,
                           m.compare->min_effect, m.compare->quantile});
  }
}

// How long a step's analysis runs: open-ended when a comparison decides it (bounded by its
// maxTime), else the last measurement of its threshold metrics (initialDelay + (count − 1) ·
// interval, as Argo schedules them); open-ended when a metric has no count.
std::pair<double, std::optional<double>> analysis_duration(
    const std::vector<core::threshold_metric>& metrics) {
  double longest = 0.0;
  std::optional<double> max_time;
  bool open = false;
  for (const auto& m : metrics) {
    if (m.compare) {
      open = true;
      if (m.compare->max_time) {
        max_time = std::max(max_time.value_or(0.0), seconds(*m.compare->max_time));
      }
      continue;
    }
    const double count = m.count ? static_cast<double>(*m.count) : 1.0;
    if (m.count && *m.count <= 0) open = true;
    const double interval = m.interval ? seconds(*m.interval) : 0.0;
    const double delay = m.initial_delay ? seconds(*m.initial_delay) : 0.0;
    longest = std::max(longest, delay + (count - 1.0) * interval);
  }
  if (open) return {open_ended, max_time};
  return {longest, std::nullopt};
}

std::string metric_names(const std::vector<core::threshold_metric>& metrics) {
  std::string s;
  for (const auto& m : metrics) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

void add_step(plan_outline& out, int weight, double duration, std::string what,
              std::optional<double> max_s = std::nullopt) {
  if (weight <= 0) return;  // no canary traffic: nothing to size
  if (!std::isnan(duration) && duration <= 0.0) return;
  out.steps.push_back({{weight / 100.0, duration}, std::move(what), max_s});
}

void outline_canary(const config::canary_strategy& c, plan_outline& out) {
  std::set<std::string> seen;
  int weight = 0;
  for (std::size_t i = 0; i < c.plan.steps.size(); ++i) {
    const auto& s = c.plan.steps[i];
    switch (s.what) {
      case core::canary_step::kind::set_weight:
        weight = s.weight;
        break;
      case core::canary_step::kind::pause:
        if (s.duration) {
          add_step(out, weight, seconds(*s.duration),
                   "pause " + core::format_go_duration(*s.duration));
        } else {
          add_step(out, weight, open_ended, "pause until approved");
        }
        break;
      case core::canary_step::kind::analysis: {
        const auto [d, max_s] = analysis_duration(s.metrics);
        add_step(out, weight, d, "analysis " + metric_names(s.metrics), max_s);
        collect(s.metrics, out, seen);
        break;
      }
    }
  }
  collect(c.plan.background, out, seen);
}

void outline_progressive(const config::progressive_strategy& p, plan_outline& out) {
  const auto interval = core::parse_go_duration(p.interval);
  const double each = std::holds_alternative<core::millis>(interval)
                          ? seconds(std::get<core::millis>(interval))
                          : 60.0;
  const auto& a = p.analysis;
  const int top = core::max_weight(a);
  int weight = 0;
  int iteration = 0;
  // Flagger advances one step per interval while the weight is below maxWeight, then promotes.
  while (weight < top && iteration < 1000) {
    weight = std::min(100, weight + core::next_step_weight(a, weight));
    add_step(out, weight, each, "step " + std::to_string(++iteration) + " (" + p.interval + ")");
  }
  for (const auto& m : p.metrics) {
    out.notes.push_back("metric \"" + m.check.name +
                        "\" is a fixed range check (Flagger thresholdRange): it decides on every "
                        "look whatever the sample, so no sample size applies");
  }
}

}  // namespace

std::variant<plan_outline, std::string> outline_of(const config::plan& p) {
  plan_outline out;
  if (const auto* c = std::get_if<config::canary_strategy>(&p.strategy)) {
    outline_canary(*c, out);
  } else if (std::holds_alternative<config::blue_green_strategy>(p.strategy)) {
    return "plan \"" + p.name +
           "\" is blue-green: the preview gets no production traffic before promotion, so there "
           "are no canary steps to size (give --steps to size a canary of the same metrics)";
  } else if (const auto* g = std::get_if<config::progressive_strategy>(&p.strategy)) {
    if (core::strategy_of(g->analysis) != core::progressive_strategy::canary) {
      return "plan \"" + p.name + "\" is a Flagger " +
             std::string(core::strategy_name(core::strategy_of(g->analysis))) +
             " analysis: there are no weighted canary steps to size";
    }
    outline_progressive(*g, out);
  } else if (const auto* a = std::get_if<config::analysis_strategy>(&p.strategy)) {
    std::vector<core::threshold_metric> metrics;
    for (const auto& m : a->analysis.metrics) metrics.push_back(m.metric);
    std::set<std::string> seen;
    collect(metrics, out, seen);
  }
  return out;
}

}  // namespace floodgate::sim
