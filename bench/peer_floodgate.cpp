// floodgate's side of the peer comparison (bench/peers/run).
//
//   peer-floodgate write DIR   writes the shared inputs: DIR/<n>_<kind>_{x,y}.f64 (raw float64)
//                              and DIR/counts_{x1,n1,x2,n2}.f64
//   peer-floodgate time DIR    times floodgate on them; prints CSV rows
//                              case,call,median_s,reps[,result]
//
// Inputs: x = canary lognormal(log 102, 0.5), y = baseline lognormal(log 100, 0.5), continuous
// or rounded to whole milliseconds ("ties"), the data of shared/reference/statistics.md §5; and
// 100 000 comparisons of error counts (canary x1 of n1 requests, baseline x2 of n2, rates up to
// 2 %). `result` is a figure every peer computes from the same inputs (a p-value, or a sum over
// the comparisons), so that the report can check they computed the same thing.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <floodgate/analysis/batch.hpp>
#include <floodgate/analysis/mann_whitney.hpp>
#include <floodgate/analysis/proportion_tests.hpp>
#include <floodgate/analysis/sample_size.hpp>
#include <floodgate/analysis/sequential.hpp>
#include <floodgate/analysis/welch.hpp>

#include <floodgate/analysis/random.hpp>
#include "bench_data.hpp"

namespace {

namespace fa = floodgate::analysis;

struct peer_case {
  std::size_t n;
  bool ties;
  int reps_test;
  int reps_ci;
  std::string label() const { return std::to_string(n) + "_" + (ties ? "ties" : "continuous"); }
};
const std::vector<peer_case> cases = {
    {10000, false, 21, 21}, {10000, true, 21, 21}, {1000000, false, 5, 3}, {1000000, true, 5, 3}};

void write(const std::string& path, const std::vector<double>& v) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()),
            static_cast<std::streamsize>(v.size() * sizeof(double)));
}

std::vector<double> read(const std::string& path, std::size_t n) {
  std::vector<double> v(n);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(double)));
  return v;
}

template <class F>
double median_seconds(int reps, F&& f) {
  f();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

constexpr std::size_t count_rows = 100000;  // the batch kernels' comparisons
constexpr std::size_t table_rows = 2000;    // the per-call tests' tables (a loop in each peer)

void write_counts(const std::string& dir) {
  fa::rng g(4242);
  std::vector<double> x1, n1, x2, n2;
  for (std::size_t i = 0; i < count_rows; ++i) {
    n1.push_back(std::floor(1000.0 + g.uniform() * 1e4));
    n2.push_back(std::floor(1000.0 + g.uniform() * 1e5));
    x1.push_back(std::floor(n1.back() * 0.02 * g.uniform()));
    x2.push_back(std::floor(n2.back() * 0.02 * g.uniform()));
  }
  write(dir + "/counts_x1.f64", x1);
  write(dir + "/counts_n1.f64", n1);
  write(dir + "/counts_x2.f64", x2);
  write(dir + "/counts_n2.f64", n2);
}

void row(const std::string& label, const std::string& call, double seconds, int reps,
         double result) {
  std::printf("%s,floodgate %s,%.6g,%d,%.17g\n", label.c_str(), call.c_str(), seconds, reps,
              result);
  std::fflush(stdout);
}

// The tests of counts, each over the same comparisons as the peers.
void time_counts(const std::string& dir) {
  const auto x1 = read(dir + "/counts_x1.f64", count_rows);
  const auto n1 = read(dir + "/counts_n1.f64", count_rows);
  const auto x2 = read(dir + "/counts_x2.f64", count_rows);
  const auto n2 = read(dir + "/counts_n2.f64", count_rows);
  const auto i64 = [](double v) { return static_cast<std::int64_t>(v); };
  const std::string tables = "tables_" + std::to_string(table_rows);
  double sum = 0.0;
  auto t = median_seconds(5, [&] {
    sum = 0.0;
    for (std::size_t i = 0; i < table_rows; ++i)
      sum += fa::fisher_exact_test(i64(x1[i]), i64(n1[i] - x1[i]), i64(x2[i]), i64(n2[i] - x2[i]))
                 .p_value;
  });
  row(tables, "fisher_exact_test", t, 5, sum);
  t = median_seconds(5, [&] {
    sum = 0.0;
    for (std::size_t i = 0; i < table_rows; ++i)
      sum += fa::binomial_exact_test(i64(x1[i]), i64(n1[i]), (x2[i] + 1.0) / (n2[i] + 2.0)).p_value;
  });
  row(tables, "binomial_exact_test", t, 5, sum);
  t = median_seconds(5, [&] {
    sum = 0.0;
    for (std::size_t i = 0; i < table_rows; ++i)
      sum += fa::two_proportion_test(i64(x1[i]), i64(n1[i]), i64(x2[i]), i64(n2[i]), true,
                                     fa::alternative::greater)
                 .p_value;
  });
  row(tables, "two_proportion_test (prop.test greater)", t, 5, sum);
  t = median_seconds(5, [&] {
    sum = 0.0;
    for (std::size_t i = 0; i < table_rows; ++i) {
      const double p2 = (x2[i] + 1.0) / (n2[i] + 2.0);
      sum += fa::two_proportion_n_pooled(p2 + 0.005, p2, 0.05, 0.8);
    }
  });
  row(tables, "two_proportion_n_pooled (power.prop.test)", t, 5, sum);

  // The count e-value of statistics.md §2.2 (k = 100) over every comparison: the batch kernel,
  // and the scalar function in a loop.
  std::vector<double> share(count_rows);
  for (std::size_t i = 0; i < count_rows; ++i) share[i] = n1[i] / (n1[i] + n2[i]);
  std::vector<double> log_e(count_rows);
  const std::string batch = "batch_" + std::to_string(count_rows);
  t = median_seconds(21, [&] { fa::count_log_e_value_batch(x2, x1, share, 100.0, log_e); });
  sum = 0.0;
  for (double v : log_e) sum += v;
  row(batch, "count_log_e_value_batch", t, 21, sum);
  t = median_seconds(5, [&] {
    sum = 0.0;
    for (std::size_t i = 0; i < count_rows; ++i) {
      const std::array<double, 2> counts{x2[i], x1[i]};
      const std::array<double, 2> rho{1.0 - share[i], share[i]};
      sum += fa::multinomial_log_e_value(counts, rho, 100.0).log_e;
    }
  });
  row(batch, "multinomial_log_e_value (scalar loop)", t, 5, sum);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: peer-floodgate write|time DIR\n");
    return 2;
  }
  const std::string mode = argv[1];
  const std::string dir = argv[2];
  for (const auto& c : cases) {
    const std::string base = dir + "/" + c.label();
    if (mode == "write") {
      if (&c == &cases.front()) write_counts(dir);
      write(base + "_x.f64",
            floodgate::bench::lognormal_latencies(c.n, 102.0, c.ties, 2 * c.n + 1));
      write(base + "_y.f64",
            floodgate::bench::lognormal_latencies(c.n, 100.0, c.ties, 2 * c.n + 2));
      continue;
    }
    const auto x = read(base + "_x.f64", c.n);
    const auto y = read(base + "_y.f64", c.n);
    double sink = 0.0;
    const double t_test =
        median_seconds(c.reps_test, [&] { sink += fa::mann_whitney_u(x, y).p_value; });
    std::printf("%s,floodgate mann_whitney_u,%.6g,%d\n", c.label().c_str(), t_test, c.reps_test);
    const double t_ci =
        median_seconds(c.reps_ci, [&] { sink += fa::hodges_lehmann_shift(x, y, 0.98).estimate; });
    std::printf("%s,floodgate hodges_lehmann_shift 98%%,%.6g,%d\n", c.label().c_str(), t_ci,
                c.reps_ci);
    if (!c.ties) {
      const auto w = fa::welch_t_test(x, y);
      const double t_welch = median_seconds(c.reps_test, [&] { sink += fa::welch_t_test(x, y).t; });
      row(c.label(), "welch_t_test", t_welch, c.reps_test, w.p_value);
      // The sequential p99 test at t_opt = n (statistics.md §2.5, item 2).
      const double n = static_cast<double>(c.n);
      const auto q = fa::quantile_ab_p_value(x, y, 0.99, n);
      const double t_q = median_seconds(
          c.reps_test, [&] { sink += fa::quantile_ab_p_value(x, y, 0.99, n).p_value; });
      row(c.label(), "quantile_ab_p_value p99", t_q, c.reps_test, q.p_value);
    }
    std::fprintf(stderr, "(checksum %g)\n", sink);
  }
  if (mode == "time") time_counts(dir);
  return 0;
}
