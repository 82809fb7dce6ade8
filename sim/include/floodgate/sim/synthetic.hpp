#pragma once
// Synthetic traffic as Prometheus would scrape it, for `floodgate simulate --scenario`.
//
// Requests arrive as a Poisson process at the scenario's rate (constant or diurnal), split
// between the arms by the canary's weight at each instant; each request fails with its arm's
// error rate and takes a latency from its arm's distribution, both changed from a regression's
// instant on. Per arm the service exposes what an instrumented HTTP server does: a counter of
// requests by code ("200", "500") and a latency histogram (buckets, _count, _sum), scraped every
// scrape interval from `warmup` before the rollout's start. A scrape interval's requests in one
// (latency bucket, code) cell are one Poisson draw (a thinned Poisson process), so the counter
// and the histogram agree exactly; _sum adds each bucket's count times the distribution's mean
// within the bucket. Queries then see these series through floodgate's PromQL evaluator
// (rate() windows, extrapolation, histogram_quantile), as they would see a real Prometheus.
//
// Deterministic for a seed: floodgate's own generator and Poisson sampler
// (analysis/random.hpp), the same on every machine.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <floodgate/analysis/random.hpp>
#include <floodgate/config/scenario.hpp>
#include <floodgate/core/duration.hpp>
#include <floodgate/providers/recorded/promql.hpp>

namespace floodgate::sim {

/// What the canary served between two instants (expected values given the weights decided).
struct exposure {
  double requests = 0;
  double errors = 0;
};

class synthetic_traffic final : public providers::recorded::promql::series_view {
 public:
  /// The rollout starts at `start`; scrapes run from start − warmup to start + duration.
  synthetic_traffic(config::scenario s, core::instant start);

  /// A new run: counters from zero, weight 0, draws from `seed`.
  void reset(std::uint64_t seed);
  /// The canary's weight (0..100) from `at` on; `at` must not be before the last scrape made.
  void set_weight(core::instant at, int weight);
  /// Makes every scrape up to `at` (no further than start + duration).
  void advance_to(core::instant at);

  /// Where scrapes go instead of samples(): each scrape's instant and every series' value, in
  /// series order.
  using scrape_sink = std::function<void(std::int64_t at_ms, std::span<const double> values)>;
  /// Hands every scrape from now on (the first of each reset() included) to `take` instead of
  /// keeping it: runs in lockstep keep all their lanes' scrapes in one table (lockstep.cpp).
  void hand_scrapes_to(scrape_sink take) { sink_ = std::move(take); }

  std::size_t size() const override { return labels_.size(); }
  const providers::recorded::label_set& labels(std::size_t i) const override { return labels_[i]; }
  std::span<const providers::recorded::sample> samples(std::size_t i) const override {
    return samples_[i];
  }

  /// The canary's expected requests and errors in [from, to] at the weights set so far.
  exposure canary_exposure(core::instant from, core::instant to) const;
  /// The mean total request rate at `at` (diurnal or constant), per second.
  double rate_at(core::instant at) const;
  const config::scenario& scenario() const { return s_; }
  core::instant start() const { return start_; }
  core::instant end() const { return start_ + s_.duration; }

 private:
  /// One arm under one set of regressions: error rate and each latency bucket's probability
  /// and partial mean (E[L; L in bucket]), +Inf last.
  struct regime {
    core::instant from;
    double error_rate = 0;
    std::vector<double> p;
    std::vector<double> partial_mean;
  };
  /// What makes an interval's expected counts: the canary's share, the arm's regime and the
  /// interval's length (at a constant rate, in one piece).
  struct expected_key {
    double share = 0;
    std::size_t regime = 0;
    std::int64_t ms = 0;
    bool operator==(const expected_key&) const = default;
  };
  /// An arm's expected counts over the last interval.
  struct expected_counts {
    std::optional<expected_key> key;   ///< when they repeat for an interval like it
    std::vector<double> means;         ///< per cell (bucket × code)
    std::vector<double> mass;          ///< per bucket
    std::vector<double> partial;       ///< per bucket, E[L; L in bucket] × requests
    std::vector<double> mean_latency;  ///< per bucket, E[L | L in bucket]
  };
  struct arm_state {
    std::vector<regime> regimes;  ///< in time order, the first from the beginning
    std::size_t first_series = 0;
    std::vector<double> total;                  ///< per cell (bucket × code), cumulative counts
    double sum = 0;                             ///< the histogram's _sum
    std::vector<analysis::poisson_draw> draws;  ///< per cell, for its last mean
    expected_counts expected;
  };
  /// Calls f(from, to, canary share, regime index per arm) for each piece of [a, b) over which
  /// the weight and the regimes are constant.
  template <typename F>
  void pieces(core::instant a, core::instant b, F&& f) const;
  double requests_between(core::instant a, core::instant b) const;  ///< ∫ rate
  void scrape(core::instant a, core::instant b);

  config::scenario s_;
  core::instant start_;
  core::instant origin_;  ///< start − warmup: the first scrape
  std::vector<providers::recorded::label_set> labels_;
  std::vector<std::vector<providers::recorded::sample>> samples_;
  arm_state arms_[2];  ///< baseline, canary
  std::vector<std::pair<core::instant, int>> weights_;
  std::int64_t scrapes_ = 0;  ///< made so far
  analysis::rng rng_{0};
  std::vector<double> drawn_;  ///< scratch: one interval's draw per cell
  std::vector<double> row_;    ///< scratch: one scrape, per series
  scrape_sink sink_;
};

}  // namespace floodgate::sim
