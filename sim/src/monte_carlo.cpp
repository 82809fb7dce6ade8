#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/proportion_tests.hpp>
#include <floodgate/sim/lockstep.hpp>
#include <floodgate/sim/monte_carlo.hpp>
#include <mutex>
#include <thread>

namespace floodgate::sim {

rate_estimate estimate_rate(std::size_t count, std::size_t of) {
  rate_estimate r;
  r.count = count;
  r.of = of;
  r.rate = of == 0 ? 0 : static_cast<double>(count) / static_cast<double>(of);
  const auto ci = analysis::wilson_interval(static_cast<std::int64_t>(count),
                                            static_cast<std::int64_t>(of), 0.95);
  r.low = ci.lower;
  r.high = ci.upper;
  return r;
}

mean_estimate estimate_mean(std::vector<double> xs) {
  mean_estimate m;
  m.n = xs.size();
  if (xs.empty()) return m;
  const auto summary = analysis::summarize(xs);
  m.mean = summary.mean;
  const double sd = xs.size() > 1 ? std::sqrt(summary.variance) : 0;
  const double half =
      analysis::normal_quantile(0.975) * sd / std::sqrt(static_cast<double>(xs.size()));
  m.low = m.mean - half;
  m.high = m.mean + half;
  std::sort(xs.begin(), xs.end());
  m.p50 = analysis::percentile_r7_sorted(xs, 50);
  m.p95 = analysis::percentile_r7_sorted(xs, 95);
  return m;
}

namespace {

// The rates and means of the runs' outcomes.
void summarise(monte_carlo_result& r) {
  r.promoted = r.aborted = r.undecided = 0;
  std::size_t false_aborts = 0;
  std::size_t reached = 0;
  std::size_t detected = 0;
  std::vector<double> decision;
  std::vector<double> detect;
  std::vector<double> bad;
  for (const auto& o : r.outcomes) {
    if (o.promoted) ++r.promoted;
    if (o.aborted) ++r.aborted;
    if (!o.promoted && !o.aborted) ++r.undecided;
    if (o.false_abort) ++false_aborts;
    if (o.promoted || o.aborted) decision.push_back(o.decided_s);
    if (r.regression_at) {
      // Still in progress when the canary went bad: it could be detected.
      const double at = static_cast<double>(r.regression_at->count()) / 1000.0;
      if (o.decided_s >= at || (!o.promoted && !o.aborted)) ++reached;
      if (o.detected) {
        ++detected;
        detect.push_back(o.detect_s);
      }
      bad.push_back(o.bad_requests);
    }
  }
  r.false_abort = estimate_rate(false_aborts, r.outcomes.size());
  r.decision_s = estimate_mean(std::move(decision));
  if (r.regression_at) {
    r.detection = estimate_rate(detected, reached);
    r.detect_s = estimate_mean(std::move(detect));
    r.bad_requests = estimate_mean(std::move(bad));
  }
}

}  // namespace

std::string format_estimate(const rate_estimate& r) {
  return fmt::format("{:.4f}  [{:.4f}, {:.4f}]  ({} of {})", r.rate, r.low, r.high, r.count, r.of);
}

std::string format_estimate(const mean_estimate& m, const std::string& unit) {
  if (m.n == 0) return "-";
  return fmt::format("{:.1f}{u}  [{:.1f}, {:.1f}]  median {:.1f}{u}, p95 {:.1f}{u}  ({} runs)",
                     m.mean, m.low, m.high, m.p50, m.p95, m.n, fmt::arg("u", unit));
}

std::uint64_t run_seed(std::uint64_t seed, std::size_t i) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(i) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::variant<monte_carlo_result, std::string> monte_carlo(const engine::rollout_spec& spec,
                                                          const config::scenario& s,
                                                          core::instant start,
                                                          const monte_carlo_options& options) {
  monte_carlo_result out;
  out.runs = options.runs;
  out.seed = options.seed;
  out.regression_at = s.canary_regression_at();
  out.outcomes.resize(options.runs);
  unsigned threads = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
  // The runs go in groups of promql::lane_width, each group in lockstep (lockstep.hpp).
  constexpr std::size_t group = providers::recorded::promql::lane_width;
  const std::size_t groups = (options.runs + group - 1) / group;
  threads = std::max(1U, std::min<unsigned>(threads, static_cast<unsigned>(groups)));
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex error_lock;
  std::string error;
  auto work = [&](unsigned worker) {
    lockstep_simulator sim(spec, s, start, options.lookback);
    std::vector<std::uint64_t> seeds;
    for (;;) {
      const std::size_t g = next.fetch_add(1);
      if (g >= groups) break;
      const std::size_t first = g * group;
      const std::size_t count = std::min(group, options.runs - first);
      seeds.clear();
      for (std::size_t i = first; i < first + count; ++i)
        seeds.push_back(run_seed(options.seed, i));
      auto r = sim.run(seeds, first == 0 && options.keep_first);
      if (auto* e = std::get_if<std::string>(&r)) {
        const std::lock_guard<std::mutex> lock(error_lock);
        error = *e;
        next = groups;
        break;
      }
      auto& rr = std::get<std::vector<replay_result>>(r);
      for (std::size_t k = 0; k < count; ++k) out.outcomes[first + k] = sim.outcome(k, rr[k]);
      if (first == 0) {
        out.plan = rr[0].plan;
        if (options.keep_first) out.first = std::move(rr[0]);
      }
      const std::size_t d = done.fetch_add(count) + count;
      if (worker == 0 && options.progress) options.progress(d, options.runs);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  if (!error.empty()) return error;
  if (options.progress) options.progress(options.runs, options.runs);
  summarise(out);
  return out;
}

}  // namespace floodgate::sim
