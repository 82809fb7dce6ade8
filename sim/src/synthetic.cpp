#include <algorithm>
#include <cmath>
#include <floodgate/core/value.hpp>
#include <floodgate/sim/synthetic.hpp>
#include <numbers>

namespace floodgate::sim {

namespace {

namespace rec = providers::recorded;

double phi(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

/// A latency distribution after a regression: L' = k·L + c.
struct latency {
  const config::latency_model& m;
  double k = 1;
  double c = 0;

  /// F(x) of the untransformed L.
  double cdf0(double x) const {
    if (x <= 0) return 0;
    if (m.k == config::latency_model::kind::lognormal)
      return phi((std::log(x) - std::log(m.median)) / m.sigma);
    double lo = 0;
    double clo = 0;
    for (std::size_t i = 0; i < m.bounds.size(); ++i) {
      if (x <= m.bounds[i]) return clo + (m.cumulative[i] - clo) * (x - lo) / (m.bounds[i] - lo);
      lo = m.bounds[i];
      clo = m.cumulative[i];
    }
    return 1;
  }
  /// E[L; L ≤ x] of the untransformed L (x may be +Inf).
  double partial0(double x) const {
    if (x <= 0) return 0;
    if (m.k == config::latency_model::kind::lognormal) {
      const double mean = m.median * std::exp(m.sigma * m.sigma / 2);
      if (std::isinf(x)) return mean;
      return mean * phi((std::log(x) - std::log(m.median)) / m.sigma - m.sigma);
    }
    // Uniform within each piece of the linear distribution function.
    double out = 0;
    double lo = 0;
    double clo = 0;
    for (std::size_t i = 0; i < m.bounds.size(); ++i) {
      const double hi = std::min(x, m.bounds[i]);
      const double density = (m.cumulative[i] - clo) / (m.bounds[i] - lo);
      out += density * (hi * hi - lo * lo) / 2;
      if (x <= m.bounds[i]) return out;
      lo = m.bounds[i];
      clo = m.cumulative[i];
    }
    return out;
  }
  double cdf(double x) const { return std::isinf(x) ? 1 : cdf0((x - c) / k); }
  /// E[L'; L' ≤ x] = k·E[L; L ≤ (x − c)/k] + c·F((x − c)/k).
  double partial(double x) const {
    const double y = std::isinf(x) ? x : (x - c) / k;
    return k * partial0(y) + c * (std::isinf(x) ? 1 : cdf0(y));
  }
};

rec::label_set labels_of(const config::scenario& s, const config::arm_traffic& arm,
                         const std::string& name, const std::string& extra_name,
                         const std::string& extra_value) {
  std::map<std::string, std::string> l(s.labels.begin(), s.labels.end());
  for (const auto& [k, v] : arm.labels) l[k] = v;
  if (!extra_name.empty()) l[extra_name] = extra_value;
  l["__name__"] = name;
  return {l.begin(), l.end()};
}

constexpr double day_ms = 86400000.0;

}  // namespace

synthetic_traffic::synthetic_traffic(config::scenario s, core::instant start)
    : s_(std::move(s)), start_(start), origin_(start - s_.warmup) {
  const std::size_t buckets = s_.buckets.size() + 1;
  for (int a = 0; a < 2; ++a) {
    const auto& arm = a == 0 ? s_.baseline : s_.canary;
    auto& st = arms_[a];
    st.first_series = labels_.size();
    for (const char* code : {"200", "500"})
      labels_.push_back(labels_of(s_, arm, s_.requests_metric, "code", code));
    for (std::size_t b = 0; b < buckets; ++b)
      labels_.push_back(labels_of(
          s_, arm, s_.latency_metric + "_bucket", "le",
          b + 1 < buckets ? core::format_float_plain(s_.buckets[b]) : std::string("+Inf")));
    labels_.push_back(labels_of(s_, arm, s_.latency_metric + "_count", "", ""));
    labels_.push_back(labels_of(s_, arm, s_.latency_metric + "_sum", "", ""));
    // The arm's regimes: as configured, then after each regression of the arm.
    double error_rate = arm.error_rate;
    double k = 1;
    double c = 0;
    auto add_regime = [&](core::instant from) {
      regime r;
      r.from = from;
      r.error_rate = std::clamp(error_rate, 0.0, 1.0);
      const latency l{arm.latency, k, c};
      double prev_cdf = 0;
      double prev_partial = 0;
      for (std::size_t b = 0; b < buckets; ++b) {
        const double le = b + 1 < buckets ? s_.buckets[b] : HUGE_VAL;
        const double f = l.cdf(le);
        const double pm = l.partial(le);
        r.p.push_back(std::max(0.0, f - prev_cdf));
        r.partial_mean.push_back(std::max(0.0, pm - prev_partial));
        prev_cdf = f;
        prev_partial = pm;
      }
      st.regimes.push_back(std::move(r));
    };
    add_regime(core::instant::min());
    for (const auto& g : s_.regressions) {
      if (g.arm != (a == 0 ? "baseline" : "canary")) continue;
      error_rate = error_rate * g.error_multiply + g.error_add;
      k *= g.latency_multiply;
      c = c * g.latency_multiply + g.latency_add;
      add_regime(start + g.at);
    }
    st.total.assign(2 * buckets, 0);
    st.draws.assign(2 * buckets, analysis::poisson_draw());
    st.expected.means.assign(2 * buckets, 0);
    st.expected.mass.assign(buckets, 0);
    st.expected.partial.assign(buckets, 0);
    st.expected.mean_latency.assign(buckets, 0);
  }
  drawn_.resize(2 * buckets);
  samples_.resize(labels_.size());
  row_.resize(labels_.size());
  reset(s_.seed.value_or(1));
}

void synthetic_traffic::reset(std::uint64_t seed) {
  rng_ = analysis::rng(seed);
  for (auto& s : samples_) s.clear();
  for (auto& a : arms_) {
    std::fill(a.total.begin(), a.total.end(), 0.0);
    a.sum = 0;
    a.expected.key.reset();
  }
  weights_.assign(1, {core::instant::min(), 0});
  scrapes_ = 0;
  // The first scrape: every counter at zero (the service has just started).
  scrape(origin_, origin_);
}

void synthetic_traffic::set_weight(core::instant at, int weight) {
  if (weights_.back().second == weight) return;
  weights_.emplace_back(at, std::clamp(weight, 0, 100));
}

double synthetic_traffic::rate_at(core::instant at) const { return s_.rps_at(at); }

double synthetic_traffic::requests_between(core::instant a, core::instant b) const {
  const double ta = static_cast<double>(a.time_since_epoch().count());
  const double tb = static_cast<double>(b.time_since_epoch().count());
  double out = (tb - ta) / 1000.0;
  if (s_.diurnal_amplitude > 0) {
    // ∫ cos(ω(t − peak)) dt = (sin(ω(b − peak)) − sin(ω(a − peak)))/ω, ω = 2π/day.
    const double w = 2 * std::numbers::pi / day_ms;
    const double peak = static_cast<double>(s_.diurnal_peak.count());
    out +=
        s_.diurnal_amplitude * (std::sin(w * (tb - peak)) - std::sin(w * (ta - peak))) / w / 1000.0;
  }
  return s_.rps * out;
}

template <typename F>
void synthetic_traffic::pieces(core::instant a, core::instant b, F&& f) const {
  std::size_t wi = 0;
  std::size_t ri[2] = {0, 0};
  auto settle = [&](core::instant t) {
    while (wi + 1 < weights_.size() && weights_[wi + 1].first <= t) ++wi;
    for (int k = 0; k < 2; ++k)
      while (ri[k] + 1 < arms_[k].regimes.size() && arms_[k].regimes[ri[k] + 1].from <= t) ++ri[k];
  };
  core::instant t = a;
  while (t < b) {
    settle(t);
    core::instant next = b;
    if (wi + 1 < weights_.size()) next = std::min(next, weights_[wi + 1].first);
    for (int k = 0; k < 2; ++k)
      if (ri[k] + 1 < arms_[k].regimes.size())
        next = std::min(next, arms_[k].regimes[ri[k] + 1].from);
    if (next <= t) next = b;  // a change already passed: nothing splits [t, b) further
    f(t, next, static_cast<double>(weights_[wi].second) / 100.0, ri[0], ri[1]);
    t = next;
  }
}

void synthetic_traffic::scrape(core::instant a, core::instant b) {
  const std::size_t buckets = s_.buckets.size() + 1;
  const std::int64_t at_ms = b.time_since_epoch().count();
  // Whether the interval is one piece (one weight, one regime per arm) at a constant rate: then
  // an arm's expected counts are the last interval's when its share, regime and length are, and
  // are kept instead of worked out again.
  std::size_t count = 0;
  double piece_share = 0;
  std::size_t piece_regime[2] = {0, 0};
  if (s_.diurnal_amplitude == 0) {
    pieces(a, b,
           [&](core::instant, core::instant, double canary_share, std::size_t r0, std::size_t r1) {
             ++count;
             piece_share = canary_share;
             piece_regime[0] = r0;
             piece_regime[1] = r1;
           });
  }
  const bool repeat = count == 1;
  for (int arm = 0; arm < 2; ++arm) {
    auto& st = arms_[arm];
    auto& e = st.expected;
    const expected_key key{piece_share, piece_regime[arm], (b - a).count()};
    if (!repeat || e.key != key) {
      e.key = repeat ? std::optional(key) : std::nullopt;
      std::fill(e.means.begin(), e.means.end(), 0.0);
      std::fill(e.mass.begin(), e.mass.end(), 0.0);
      std::fill(e.partial.begin(), e.partial.end(), 0.0);
      pieces(a, b,
             [&](core::instant from, core::instant to, double canary_share, std::size_t r0,
                 std::size_t r1) {
               const double share = arm == 1 ? canary_share : 1 - canary_share;
               const double n = requests_between(from, to) * share;
               if (n <= 0) return;
               const auto& r = st.regimes[arm == 0 ? r0 : r1];
               for (std::size_t q = 0; q < buckets; ++q) {
                 const double np = n * r.p[q];
                 e.means[q] += np * (1 - r.error_rate);
                 e.means[buckets + q] += np * r.error_rate;
                 e.mass[q] += np;
                 e.partial[q] += n * r.partial_mean[q];
               }
             });
      for (std::size_t q = 0; q < buckets; ++q)
        e.mean_latency[q] = e.mass[q] > 0 ? e.partial[q] / e.mass[q] : 0;
    }
    // One Poisson draw per (code, bucket) cell, its constants kept while the cell's mean stays
    // (a cell without requests draws nothing); then the counts added up, and a bucket's
    // requests adding its mean latency to _sum, cell by cell in the same order.
    // Local pointers: the draws' calls could change any member the loops read through.
    const std::size_t cells = 2 * buckets;
    const double* means = e.means.data();
    const double* mass = e.mass.data();
    const double* mean_latency = e.mean_latency.data();
    analysis::poisson_draw* draws = st.draws.data();
    double* drawn = drawn_.data();
    double* total = st.total.data();
    double* row = row_.data() + st.first_series;
    // The generator copied in and out: its state stays in registers through the inline draws.
    analysis::rng g = rng_;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const double mean = means[cell];
      if (!(mean > 0)) {
        drawn[cell] = 0;
        continue;
      }
      if (draws[cell].mean() != mean) draws[cell] = analysis::poisson_draw(mean);
      drawn[cell] = static_cast<double>(draws[cell](g));
    }
    rng_ = g;
    double sum = st.sum;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      total[cell] += drawn[cell];
      const std::size_t q = cell < buckets ? cell : cell - buckets;
      if (mass[q] > 0) sum += drawn[cell] * mean_latency[q];
    }
    st.sum = sum;
    double by_code[2] = {0, 0};
    double cumulative = 0;
    for (std::size_t q = 0; q < buckets; ++q) {
      by_code[0] += total[q];
      by_code[1] += total[buckets + q];
    }
    *row++ = by_code[0];
    *row++ = by_code[1];
    for (std::size_t q = 0; q < buckets; ++q) {
      cumulative += total[q] + total[buckets + q];
      *row++ = cumulative;
    }
    *row++ = cumulative;
    *row = sum;
  }
  if (sink_) {
    sink_(at_ms, row_);
  } else {
    for (std::size_t i = 0; i < row_.size(); ++i) samples_[i].push_back({at_ms, row_[i], false});
  }
  ++scrapes_;
}

void synthetic_traffic::advance_to(core::instant at) {
  const auto limit = std::min(at, end());
  for (;;) {
    const auto from = origin_ + s_.scrape_interval * (scrapes_ - 1);
    const auto to = from + s_.scrape_interval;
    if (to > limit) return;
    scrape(from, to);
  }
}

exposure synthetic_traffic::canary_exposure(core::instant from, core::instant to) const {
  exposure out;
  pieces(from, to,
         [&](core::instant a, core::instant b, double share, std::size_t, std::size_t r1) {
           const double n = requests_between(a, b) * share;
           out.requests += n;
           out.errors += n * arms_[1].regimes[r1].error_rate;
         });
  return out;
}

}  // namespace floodgate::sim
