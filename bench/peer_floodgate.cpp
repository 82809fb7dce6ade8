// floodgate's side of the peer comparison (bench/peers/run).
//
//   peer-floodgate write DIR   writes the shared inputs: DIR/<n>_<kind>_{x,y}.f64 (raw float64)
//   peer-floodgate time DIR    times floodgate on them; prints CSV rows case,call,median_s,reps
//
// Inputs: x = canary lognormal(log 102, 0.5), y = baseline lognormal(log 100, 0.5), continuous
// or rounded to whole milliseconds ("ties"), the data of shared/reference/statistics.md §5.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <floodgate/analysis/mann_whitney.hpp>

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
    std::fprintf(stderr, "(checksum %g)\n", sink);
  }
  return 0;
}
