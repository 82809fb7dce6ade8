#pragma once
/// \file
/// What `floodgate plan` sizes in a loaded plan: its traffic steps (the weight and how long it
/// holds) and the comparison metrics whose tests have a required-sample-size model. Pure.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/analysis/sample_size.hpp>
#include <floodgate/config/plan.hpp>
#include <floodgate/sim/capacity_plan.hpp>

namespace floodgate::sim {

/// A comparison metric of the plan with the model its test is sized by.
struct sized_metric {
  std::string name;
  sample_size_model model = sample_size_model::two_sample;
  double alpha = 0.05;
  double power = 0.8;
  double min_effect = 0.0;  ///< δ, in the test's terms (proportion, or ms)
  double quantile = 0.99;
};

/// One traffic step: the canary's share and how long it holds it.
struct outline_step {
  analysis::traffic_step traffic;     ///< duration NaN: an analysis that runs until it decides
  std::string what;                   ///< "pause 10m", "analysis error-rate", "iteration 3"
  std::optional<double> max_seconds;  ///< the analysis' maxTime, when it has one
};

struct plan_outline {
  std::vector<outline_step> steps;
  std::vector<sized_metric> metrics;  ///< each comparison metric once, by name
  std::vector<std::string> notes;     ///< metrics that cannot be sized, and why
};

/// The outline of `p`, or why it has none (a BlueGreen plan sends the preview no production
/// traffic before promotion).
std::variant<plan_outline, std::string> outline_of(const config::plan& p);

}  // namespace floodgate::sim
