#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/sequential.hpp>
#include <floodgate/sim/capacity_plan.hpp>

#include <cmath>
#include <limits>

namespace floodgate::sim {
namespace {

namespace fa = floodgate::analysis;
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

// Canary requests the model needs at canary share `w` before it can decide on effect `delta`.
// For the sequential model the need is in error events; it is converted to requests at the
// alternative's event rate.
double required_canary_requests(const capacity_inputs& in, double w, double delta) {
  const double p = in.baseline_error_rate;
  const double baseline_share = in.baseline == baseline_source::rest ? 1.0 - w : w;
  switch (in.model) {
    case sample_size_model::quick:
      return fa::one_proportion_n(p, delta, 1.0 - in.alpha).n_required;
    case sample_size_model::two_sample: {
      if (baseline_share <= 0.0) return inf_v;
      const auto r =
          fa::two_proportion_n_ratio(p + delta, p, in.alpha, in.power, baseline_share / w);
      return r.status == fa::status::ok ? std::ceil(r.canary) : nan_v;
    }
    case sample_size_model::sequential: {
      if (p <= 0.0 || baseline_share <= 0.0) return nan_v;
      const double rho = w / (w + baseline_share);
      const auto d = fa::count_detection_events(rho, (p + delta) / p, in.alpha);
      if (d.status != fa::status::ok) return nan_v;
      // Events arrive at R(w(p + δ) + b·p); the canary serves wR requests meanwhile.
      const double event_rate_per_rps = w * (p + delta) + baseline_share * p;
      return std::ceil(d.total_events / event_rate_per_rps * w);
    }
  }
  return nan_v;
}

// The smallest δ for which the step's own canary requests suffice (requirements fall as δ grows).
double detectable_effect(const capacity_inputs& in, double w, double canary_requests) {
  const double p = in.baseline_error_rate;
  if (!(canary_requests > 0.0)) return nan_v;
  double lo = 0.0;
  double hi = 1.0 - p;
  auto enough = [&](double d) {
    const double need = required_canary_requests(in, w, d);
    return std::isfinite(need) && need <= canary_requests;
  };
  if (!enough(hi * (1.0 - 1e-9))) return nan_v;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (enough(mid) ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace

std::string_view to_string(sample_size_model m) noexcept {
  switch (m) {
    case sample_size_model::quick:
      return "quick";
    case sample_size_model::two_sample:
      return "two_sample";
    case sample_size_model::sequential:
      return "sequential";
  }
  return "two_sample";
}

capacity_result plan_capacity(const capacity_inputs& in) {
  capacity_result out;
  auto fail = [&](std::string field, std::string message) {
    out.error = capacity_error{std::move(field), std::move(message)};
    return out;
  };
  if (!(in.total_rps > 0.0) || !std::isfinite(in.total_rps)) {
    return fail("rps", "expected a request rate > 0");
  }
  if (!(in.baseline_error_rate >= 0.0 && in.baseline_error_rate < 1.0)) {
    return fail("baseline-error-rate", "expected a rate in [0, 1)");
  }
  if (!(in.mde > 0.0) || in.baseline_error_rate + in.mde > 1.0) {
    return fail("mde", "expected an absolute increase > 0 with baseline rate + mde <= 1");
  }
  if (!(in.alpha > 0.0 && in.alpha < 1.0)) return fail("alpha", "expected a level in (0, 1)");
  if (!(in.power > 0.0 && in.power < 1.0)) return fail("power", "expected a power in (0, 1)");
  if (in.steps.empty()) return fail("steps", "expected at least one step");
  if (in.model == sample_size_model::sequential && in.baseline_error_rate <= 0.0) {
    return fail("baseline-error-rate",
                "the sequential model counts error events and needs a baseline error rate > 0");
  }
  for (std::size_t i = 0; i < in.steps.size(); ++i) {
    const auto& s = in.steps[i];
    if (!(s.weight > 0.0 && s.weight <= 1.0)) {
      return fail("steps", "step " + std::to_string(i + 1) + ": expected a weight in (0, 100] %");
    }
    if (!(s.duration_s > 0.0) || !std::isfinite(s.duration_s)) {
      return fail("steps", "step " + std::to_string(i + 1) + ": expected a duration > 0");
    }
  }

  auto& plan = out.plan;
  const double p = in.baseline_error_rate;
  plan.detectable_effect = nan_v;
  for (const auto& s : in.steps) {
    capacity_step st;
    st.weight = s.weight;
    st.duration_s = s.duration_s;
    const double canary_rps = s.weight * in.total_rps;
    const double baseline_rps =
        (in.baseline == baseline_source::rest ? 1.0 - s.weight : s.weight) * in.total_rps;
    st.canary_requests = canary_rps * s.duration_s;
    st.baseline_requests = baseline_rps * s.duration_s;
    st.canary_error_events = st.canary_requests * p;
    st.baseline_error_events = st.baseline_requests * p;
    st.required_canary_requests = required_canary_requests(in, s.weight, in.mde);
    st.required_seconds = st.required_canary_requests / canary_rps;
    st.long_enough = std::isfinite(st.required_canary_requests) &&
                     st.canary_requests >= st.required_canary_requests;
    st.detectable_effect = detectable_effect(in, s.weight, st.canary_requests);
    if (std::isfinite(st.detectable_effect) && !(plan.detectable_effect <= st.detectable_effect)) {
      plan.detectable_effect = st.detectable_effect;
    }
    plan.total_seconds += s.duration_s;
    plan.steps.push_back(st);
  }
  if (in.model == sample_size_model::quick) {
    plan.notes.emplace_back(
        "quick model: n = z²p(1-p)/δ² is a confidence-interval width with 50 % power and no "
        "baseline uncertainty; prefer two_sample");
    if (p == 0.0) {
      plan.notes.emplace_back(
          "baseline error rate 0: the quick formula gives n = 0; the zero-event floor ln(1/α)/δ "
          "is used instead");
    }
  }
  if (in.baseline == baseline_source::rest) {
    for (const auto& s : in.steps) {
      if (s.weight >= 1.0) {
        plan.notes.emplace_back(
            "a step at 100 % leaves no baseline traffic to compare with; it cannot be judged");
        break;
      }
    }
  }
  if (in.model == sample_size_model::sequential) {
    plan.notes.emplace_back(
        "sequential: each step is sized on its own; the e-value carries evidence across steps, "
        "so the running plan can decide sooner");
  }
  return out;
}

}  // namespace floodgate::sim
