#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/sequential.hpp>
#include <floodgate/sim/capacity_plan.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace floodgate::sim {
namespace {

namespace fa = floodgate::analysis;
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

double baseline_share_of(const capacity_inputs& in, double w) {
  return in.baseline == baseline_source::rest ? 1.0 - w : w;
}

// The lognormal baseline latency: median m, log-sd σ (μ = ln m).
struct lognormal {
  double mu, sigma;
  double cdf(double x) const { return x > 0.0 ? fa::normal_cdf((std::log(x) - mu) / sigma) : 0.0; }
  double quantile(double u) const { return std::exp(mu + sigma * fa::normal_quantile(u)); }
};

// What a plan's model asks of a step, for any share and effect. The latency models' lognormal
// (and the Mann–Whitney quadrature's nodes) are computed once, not at every root-solving step.
class sizer {
 public:
  explicit sizer(const capacity_inputs& in) : in_(in) {
    if (!is_latency_model(in.model)) return;
    f_ = lognormal{std::log(in.latency->median_ms), in.latency->sigma};
    if (in.model != sample_size_model::mann_whitney) return;
    nodes_.reserve(node_count);
    for (int i = 0; i < node_count; ++i) nodes_.push_back(f_->quantile((i + 0.5) / node_count));
  }

  // Canary requests the model needs at canary share `w` before it can decide on effect `delta`.
  // For the sequential model the need is in error events; it is converted to requests at the
  // alternative's event rate.
  double required(double w, double delta) const {
    if (f_) return required_latency(w, delta);
    const double p = in_.baseline_error_rate;
    const double baseline_share = baseline_share_of(in_, w);
    switch (in_.model) {
      case sample_size_model::quick:
        return fa::one_proportion_n(p, delta, 1.0 - in_.alpha).n_required;
      case sample_size_model::two_sample: {
        if (baseline_share <= 0.0) return inf_v;
        // One-sided at α, as the controller's prop.test (engine/core/src/comparison.cpp).
        const auto r = fa::two_proportion_n_ratio(p + delta, p, in_.alpha, in_.power,
                                                  baseline_share / w, fa::sides::one);
        return r.status == fa::status::ok ? std::ceil(r.canary) : nan_v;
      }
      case sample_size_model::sequential: {
        if (p <= 0.0 || baseline_share <= 0.0) return nan_v;
        const double rho = w / (w + baseline_share);
        const auto d = fa::count_detection_events(rho, (p + delta) / p, in_.alpha);
        if (d.status != fa::status::ok) return nan_v;
        // Events arrive at R(w(p + δ) + b·p); the canary serves wR requests meanwhile.
        const double event_rate_per_rps = w * (p + delta) + baseline_share * p;
        return std::ceil(d.total_events / event_rate_per_rps * w);
      }
      default:
        return nan_v;
    }
  }

  // The smallest δ for which `canary_requests` at share `w` suffice (requirements fall as δ
  // grows), by bisection.
  double detectable(double w, double canary_requests) const {
    if (!(canary_requests > 0.0)) return nan_v;
    double lo = 0.0;
    // Count models: δ up to 1 − p. Latency models: up to ten times the baseline's 99.99th
    // percentile, beyond which no regression needs more than the tests' minimum.
    double hi = f_ ? 10.0 * f_->quantile(0.9999) : (1.0 - in_.baseline_error_rate) * (1.0 - 1e-9);
    auto enough = [&](double d) {
      const double need = required(w, d);
      return std::isfinite(need) && need <= canary_requests;
    };
    if (!enough(hi)) return nan_v;
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (enough(mid) ? hi : lo) = mid;
    }
    return hi;
  }

 private:
  static constexpr int node_count = 1000;

  // Noether's p′ = P(canary > baseline) when the canary is the baseline shifted by δ:
  // E[F(X′ + δ)] over X′ ~ F, by the midpoint rule on 1 000 quantiles of X′ (error below 1e-4,
  // far inside what the sample size's rounding absorbs).
  double p_prime_of_shift(double delta) const {
    double sum = 0.0;
    for (double x : nodes_) sum += f_->cdf(x + delta);
    return sum / static_cast<double>(nodes_.size());
  }

  // Canary observations a latency test needs at share `w` to detect a shift of `delta` ms,
  // sized as the controller sizes it at each look (engine/core/src/comparison.cpp) with the
  // lognormal in place of the observed baseline.
  double required_latency(double w, double delta) const {
    const double b = baseline_share_of(in_, w);
    if (b <= 0.0) return inf_v;
    switch (in_.model) {
      case sample_size_model::mann_whitney: {
        // statistics.md §3.4, Noether (1987) with the canary fraction c = w / (w + b).
        const double p_prime = p_prime_of_shift(delta);
        if (!(p_prime > 0.5)) return nan_v;
        if (p_prime >= 1.0 - 1e-12) return 2.0;
        const auto n =
            fa::mann_whitney_n_noether(p_prime, w / (w + b), in_.alpha, in_.power, fa::sides::one);
        return n.status == fa::status::ok ? std::max(2.0, std::ceil(n.canary)) : nan_v;
      }
      case sample_size_model::quantile: {
        // statistics.md §3.5: the shift moves the canary's exceedance of the baseline's
        // q-quantile from 1 − q to P(X > x_q − δ).
        const double p0 = 1.0 - in_.quantile;
        const double p1 = 1.0 - f_->cdf(f_->quantile(in_.quantile) - delta);
        if (!(p1 > p0)) return nan_v;
        const auto n =
            fa::quantile_exceedance_n(p0, std::min(p1, 1.0 - 1e-9), in_.alpha, in_.power);
        return n.status == fa::status::ok ? static_cast<double>(n.n_ceil) : nan_v;
      }
      case sample_size_model::welch: {
        // Lognormal variance (e^{σ²} − 1)·e^{2μ+σ²}, equal in both arms.
        const double s2 = in_.latency->sigma * in_.latency->sigma;
        const double sd = in_.latency->median_ms * std::sqrt(std::exp(s2) * std::expm1(s2));
        const auto n = fa::welch_n(delta, sd, sd, in_.alpha, in_.power, b / w);
        return n.status == fa::status::ok && std::isfinite(n.canary)
                   ? std::max(2.0, std::ceil(n.canary))
                   : nan_v;
      }
      default:
        return nan_v;
    }
  }

  const capacity_inputs& in_;
  std::optional<lognormal> f_;
  std::vector<double> nodes_;
};

std::optional<capacity_error> validate(const capacity_inputs& in) {
  auto fail = [](std::string field, std::string message) {
    return capacity_error{std::move(field), std::move(message)};
  };
  if (in.traffic.is_constant() && !(in.traffic.mean() > 0.0 && std::isfinite(in.traffic.mean())))
    return fail("rps", "expected a request rate > 0");
  if (!in.traffic.is_constant() && !(in.traffic.mean() > 0.0))
    return fail("rps", "the traffic curve carries no requests");
  if (is_latency_model(in.model)) {
    if (!in.latency || !(in.latency->median_ms > 0.0) || !std::isfinite(in.latency->median_ms) ||
        !(in.latency->sigma > 0.0) || !std::isfinite(in.latency->sigma)) {
      return fail("latency-median",
                  "the " + std::string(to_string(in.model)) +
                      " model needs the baseline's latency: a median > 0 ms and a log-sd > 0");
    }
    if (!(in.mde > 0.0) || !std::isfinite(in.mde))
      return fail("mde", "expected a latency increase > 0 ms");
    if (in.model == sample_size_model::quantile && !(in.quantile > 0.0 && in.quantile < 1.0))
      return fail("quantile", "expected a quantile in (0, 1)");
  } else {
    if (!(in.baseline_error_rate >= 0.0 && in.baseline_error_rate < 1.0))
      return fail("baseline-error-rate", "expected a rate in [0, 1)");
    if (!(in.mde > 0.0) || in.baseline_error_rate + in.mde > 1.0)
      return fail("mde", "expected an absolute increase > 0 with baseline rate + mde <= 1");
    if (in.model == sample_size_model::sequential && in.baseline_error_rate <= 0.0) {
      return fail("baseline-error-rate",
                  "the sequential model counts error events and needs a baseline error rate > 0");
    }
  }
  if (!(in.alpha > 0.0 && in.alpha < 1.0)) return fail("alpha", "expected a level in (0, 1)");
  if (!(in.power > 0.0 && in.power < 1.0)) return fail("power", "expected a power in (0, 1)");
  if (in.steps.empty()) return fail("steps", "expected at least one step");
  for (std::size_t i = 0; i < in.steps.size(); ++i) {
    const auto& s = in.steps[i];
    if (!(s.weight > 0.0 && s.weight <= 1.0)) {
      return fail("steps", "step " + std::to_string(i + 1) + ": expected a weight in (0, 100] %");
    }
    if (!std::isnan(s.duration_s) && !(s.duration_s > 0.0 && std::isfinite(s.duration_s))) {
      return fail("steps", "step " + std::to_string(i + 1) + ": expected a duration > 0");
    }
  }
  return std::nullopt;
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
    case sample_size_model::mann_whitney:
      return "mann_whitney";
    case sample_size_model::quantile:
      return "quantile";
    case sample_size_model::welch:
      return "welch";
  }
  return "two_sample";
}

std::optional<sample_size_model> parse_sample_size_model(std::string_view name) noexcept {
  for (auto m :
       {sample_size_model::quick, sample_size_model::two_sample, sample_size_model::sequential,
        sample_size_model::mann_whitney, sample_size_model::quantile, sample_size_model::welch}) {
    if (to_string(m) == name) return m;
  }
  return std::nullopt;
}

bool is_latency_model(sample_size_model m) noexcept {
  return m == sample_size_model::mann_whitney || m == sample_size_model::quantile ||
         m == sample_size_model::welch;
}

std::variant<rate_curve, std::string> rate_curve::sampled(
    std::vector<std::pair<double, double>> pts, double period_s) {
  if (pts.size() < 2) return std::string("expected at least two points of the rate");
  if (pts.front().first != 0.0) return std::string("expected the first point at time 0");
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const auto [t, r] = pts[i];
    if (!std::isfinite(r) || r < 0.0)
      return "point " + std::to_string(i + 1) + ": expected a finite rate >= 0";
    if (i > 0 && !(t > pts[i - 1].first))
      return "point " + std::to_string(i + 1) + ": expected times in increasing order";
  }
  if (!(period_s > pts.back().first) || !std::isfinite(period_s))
    return std::string("expected a period beyond the last point");
  rate_curve c;
  const double first_rate = pts.front().second;
  c.points_ = std::move(pts);
  c.points_.emplace_back(period_s, first_rate);
  c.period_ = period_s;
  c.cum_.assign(c.points_.size(), 0.0);
  for (std::size_t i = 1; i < c.points_.size(); ++i) {
    const auto& [t0, r0] = c.points_[i - 1];
    const auto& [t1, r1] = c.points_[i];
    c.cum_[i] = c.cum_[i - 1] + 0.5 * (r0 + r1) * (t1 - t0);  // trapezoid: exact for linear
  }
  return c;
}

std::size_t rate_curve::segment(double x) const noexcept {
  const auto it = std::upper_bound(points_.begin(), points_.end(), x,
                                   [](double v, const auto& p) { return v < p.first; });
  return static_cast<std::size_t>(std::max<std::ptrdiff_t>(it - points_.begin(), 1) - 1);
}

double rate_curve::rate_at(double t) const noexcept {
  if (is_constant()) return constant_;
  t -= std::floor(t / period_) * period_;
  const std::size_t i = segment(t);
  if (i + 1 >= points_.size()) return points_.back().second;  // the period's end: the first rate
  const auto& [t0, r0] = points_[i];
  const auto& [t1, r1] = points_[i + 1];
  return r0 + (r1 - r0) * (t - t0) / (t1 - t0);
}

double rate_curve::mean() const noexcept {
  return is_constant() ? constant_ : cum_.back() / period_;
}

double rate_curve::min() const noexcept {
  if (is_constant()) return constant_;
  double m = inf_v;
  for (const auto& p : points_) m = std::min(m, p.second);
  return m;
}

double rate_curve::max() const noexcept {
  if (is_constant()) return constant_;
  double m = 0.0;
  for (const auto& p : points_) m = std::max(m, p.second);
  return m;
}

double rate_curve::cumulative(double t) const noexcept {
  const double k = std::floor(t / period_);
  const double x = t - k * period_;
  const std::size_t i = segment(x);
  if (i + 1 >= points_.size()) return (k + 1.0) * cum_.back();
  const auto& [t0, r0] = points_[i];
  const auto& [t1, r1] = points_[i + 1];
  const double u = x - t0;
  const double slope = (r1 - r0) / (t1 - t0);
  return k * cum_.back() + cum_[i] + r0 * u + 0.5 * slope * u * u;
}

double rate_curve::requests(double t0, double t1) const noexcept {
  if (is_constant()) return constant_ * (t1 - t0);
  return cumulative(t1) - cumulative(t0);
}

double rate_curve::time_for(double t0, double n) const noexcept {
  if (!(n > 0.0)) return n == 0.0 ? 0.0 : nan_v;
  if (!std::isfinite(n)) return inf_v;
  if (is_constant()) return constant_ > 0.0 ? n / constant_ : inf_v;
  const double total = cum_.back();
  if (!(total > 0.0)) return inf_v;
  const double target = cumulative(t0) + n;
  double k = std::floor(target / total);
  double rem = target - k * total;
  // The first segment whose end reaches `rem` (skips stretches without traffic).
  auto it = std::lower_bound(cum_.begin() + 1, cum_.end(), rem);
  if (it == cum_.end()) {
    k += 1.0;
    rem = 0.0;
    it = cum_.begin() + 1;
  }
  const auto i = static_cast<std::size_t>(it - cum_.begin()) - 1;
  const auto& [a, ra] = points_[i];
  const auto& [b, rb] = points_[i + 1];
  const double need = rem - cum_[i];
  const double slope = (rb - ra) / (b - a);
  // Solve ra·u + slope·u²/2 = need for the smallest u ≥ 0, in the form that does not cancel.
  const double disc = std::max(0.0, ra * ra + 2.0 * slope * need);
  const double denom = ra + std::sqrt(disc);
  const double u = denom > 0.0 ? std::min(b - a, 2.0 * need / denom) : 0.0;
  return k * period_ + a + u - t0;
}

capacity_result plan_capacity(const capacity_inputs& in) {
  capacity_result out;
  if (auto e = validate(in)) {
    out.error = std::move(e);
    return out;
  }
  auto& plan = out.plan;
  const sizer size(in);
  const double p = in.baseline_error_rate;
  const bool latency = is_latency_model(in.model);
  plan.detectable_effect = nan_v;
  double t = in.start_s;        // the plan as written (open-ended steps at what they need)
  double t_short = in.start_s;  // every step at exactly what it needs
  for (const auto& s : in.steps) {
    capacity_step st;
    st.weight = s.weight;
    st.start_s = t - in.start_s;
    st.open_ended = std::isnan(s.duration_s);
    st.duration_s = s.duration_s;
    st.required_canary_requests = size.required(s.weight, in.mde);
    st.required_seconds = in.traffic.time_for(t, st.required_canary_requests / s.weight);
    const double ran = st.ran_seconds();
    const double total = std::isfinite(ran) ? in.traffic.requests(t, t + ran) : inf_v;
    st.canary_requests = s.weight * total;
    st.baseline_requests = baseline_share_of(in, s.weight) * total;
    st.canary_error_events = latency ? nan_v : st.canary_requests * p;
    st.baseline_error_events = latency ? nan_v : st.baseline_requests * p;
    st.long_enough = std::isfinite(st.required_seconds) &&
                     (st.open_ended || st.canary_requests >= st.required_canary_requests);
    // An open-ended step runs until its test has the n for δ: it detects δ, if it ever ends.
    st.detectable_effect = st.open_ended ? (std::isfinite(st.required_seconds) ? in.mde : nan_v)
                                         : size.detectable(s.weight, st.canary_requests);
    if (std::isfinite(st.detectable_effect) && !(plan.detectable_effect <= st.detectable_effect)) {
      plan.detectable_effect = st.detectable_effect;
    }
    plan.total_seconds += ran;
    t += ran;
    const double shortest = in.traffic.time_for(t_short, st.required_canary_requests / s.weight);
    plan.shortest_seconds += shortest;
    t_short += shortest;
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
  if (latency) {
    plan.notes.emplace_back(
        "latency models count one observation per canary request (per-request latencies); a "
        "query whose points are fewer, e.g. one per scrape, accrues fewer and needs longer");
  }
  for (const auto& s : plan.steps) {
    if (s.open_ended) {
      plan.notes.emplace_back(
          "open-ended steps (an analysis that runs until it decides) are counted at the time "
          "their test needs");
      break;
    }
  }
  return out;
}

std::vector<start_time_answer> plan_by_start_time(const capacity_inputs& in, int starts) {
  std::vector<start_time_answer> out;
  if (in.traffic.is_constant() || starts <= 0) return out;
  for (int i = 0; i < starts; ++i) {
    capacity_inputs at = in;
    at.start_s = in.traffic.period() * i / starts;
    auto r = plan_capacity(at);
    if (r.error) break;
    out.push_back({at.start_s, std::move(r.plan)});
  }
  return out;
}

}  // namespace floodgate::sim
