// engine-load: the live engine under load, against bench/fake_prometheus on loopback. N
// rollouts, each in an analysis step with 3 comparison metrics measured every interval through
// the real Prometheus client (keep-alive pool, POST, JSON parsing), the judging, the controller
// and the journal: Mann–Whitney (canary and baseline: 2 Prometheus queries each, 20 samples per
// answer; the default) or a count test (`--test sequential_counts` or `two_proportion`: events
// and requests per arm, 4 queries). Reports CPU per query (user + system of this process over
// the measured window), resident memory per rollout, missed intervals (an interval whose tick
// came more than half an interval late, from the journal's tick times), and the ticks' duration
// from wake-up to journal record (engine_events::tick). `--batch 0` judges each rollout's
// comparisons on their own instead of in one batch per turn of the io_context; `--starts
// together` starts every rollout at once instead of spread over an interval.
//   engine-load --prometheus http://127.0.0.1:9999 --rollouts 10000 --interval 10 --seconds 60
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/engine/engine.hpp>
#include <floodgate/engine/journal.hpp>
#include <floodgate/providers/live_metrics.hpp>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fg = floodgate;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

double rss_bytes() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::string plan(int interval_s, const std::string& test) {
  const bool counts = test != "mann_whitney";
  std::string metrics;
  for (const char* name : {"latency-p50", "latency-p90", "latency-p99"}) {
    // latency-p50{track="canary",svc="…"}, or sum(errors_total{metric="latency-p50",…}).
    const auto series = [&](const char* what, const char* track) {
      const std::string labels = std::string("track=\"") + track + "\",svc=\"{{args.svc}}\"}";
      if (!counts) return std::string(name) + "{" + labels;
      return std::string("sum(") + what + "_total{metric=\"" + name + "\"," + labels + ")";
    };
    const auto arm = [&](const char* track) {
      if (!counts) return "'" + series("", track) + "'";
      return "{events: '" + series("errors", track) + "', total: '" + series("requests", track) +
             "'}";
    };
    const std::string provider = "\n                canary: " + arm("canary") +
                                 "\n                baseline: " + arm("stable");
    // The count tests' minimum effect is below what 25 000 requests can show: the looks stay
    // insufficient and the rollouts keep measuring, as Mann–Whitney's 20 samples do.
    metrics += std::string(R"(
          - name: )") +
               name + R"(
            interval: )" +
               std::to_string(interval_s) + R"(s
            count: 100000
            compare: {test: )" +
               test + ", direction: increase, minEffect: " + (counts ? "0.0005" : "5") + R"(}
            provider:
              prometheus:
                address: http://127.0.0.1:9)" +
               provider;
  }
  return R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: load}
spec:
  args: [{name: svc}]
  strategy:
    canary:
      steps:
      - setWeight: 10
      - analysis:
          metrics:)" +
         metrics + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> a;
  for (int i = 1; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  const std::string prom = a.count("--prometheus") ? a["--prometheus"] : "";
  const int n = a.count("--rollouts") ? std::stoi(a["--rollouts"]) : 1000;
  const int interval = a.count("--interval") ? std::stoi(a["--interval"]) : 10;
  const int seconds = a.count("--seconds") ? std::stoi(a["--seconds"]) : 60;
  const std::string test = a.count("--test") ? a["--test"] : "mann_whitney";
  const bool batch = !a.count("--batch") || a["--batch"] != "0";
  const bool together = a.count("--starts") && a["--starts"] == "together";
  if (prom.empty() ||
      (test != "mann_whitney" && test != "sequential_counts" && test != "two_proportion")) {
    std::fprintf(stderr,
                 "usage: engine-load --prometheus URL [--rollouts N] [--interval S] [--seconds S]"
                 " [--test mann_whitney|sequential_counts|two_proportion] [--batch 1|0]"
                 " [--starts spread|together]"
                 " [--journal FILE]\n");
    return 2;
  }
  const int queries_per_tick = test == "mann_whitney" ? 6 : 12;
  const std::string journal =
      a.count("--journal") ? a["--journal"]
                           : (std::filesystem::temp_directory_path() /
                              ("floodgate-engine-load-" + std::to_string(getpid()) + ".jsonl"))
                                 .string();
  std::filesystem::remove(journal);

  boost::asio::io_context io;
  fg::providers::live_metrics_options mo;
  auto metrics = fg::providers::make_live_metrics(io, mo);
  fg::engine::engine_options eo;
  eo.journal_path = journal;
  eo.tick_deadline = std::chrono::milliseconds(interval * 1000);
  eo.batch_comparisons = batch;
  std::uint64_t warnings = 0;
  fg::engine::engine_events ev;
  ev.warning = [&](const std::string&, const std::string& m) {
    if (++warnings <= 3) std::fprintf(stderr, "warning: %s\n", m.c_str());
  };
  bool measuring = false;
  std::vector<double> tick_seconds;
  ev.tick = [&](double t) {
    if (measuring) tick_seconds.push_back(t);
  };
  fg::engine::engine eng(io, *metrics, nullptr, eo, ev);
  eng.recover();
  const double rss0 = rss_bytes();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string text = plan(interval, test);
  // Starts spread evenly over one interval (every 10 ms a batch), as rollouts started at
  // different moments are: the steady load is then N × 6 queries per interval (N × 12 for the
  // count tests), not bursts. Or, with `--starts together`, all at once (a fleet released by one
  // pipeline): every interval one burst, whose ticks end together.
  const int batches = together ? 1 : interval * 100;
  int started = 0;
  bool failed = false;
  boost::asio::steady_timer pace(io);
  std::function<void(int)> start_batch = [&](int b) {
    const int upto = static_cast<int>(static_cast<long long>(n) * (b + 1) / batches);
    for (; started < upto && !failed; ++started) {
      fg::engine::rollout_spec s;
      s.id = "r" + std::to_string(started);
      s.files = {{"load.yaml", text}};
      s.args = {{"svc", "s" + std::to_string(started)}};
      s.prometheus = prom;
      if (auto e = eng.start(s)) {
        std::fprintf(stderr, "start %d: %s\n", started, e->message.c_str());
        failed = true;
        io.stop();
      }
    }
    if (b + 1 < batches && !failed) {
      pace.expires_at(t0 + std::chrono::milliseconds(10 * (b + 1)));
      pace.async_wait([&, b](auto) { start_batch(b + 1); });
    }
  };
  start_batch(0);
  const double start_s = static_cast<double>(interval);
  // Warm up for two intervals (every rollout started and measured), then measure.
  double cpu_a = 0;
  std::int64_t sys_a = 0, sys_b = 0;
  const auto sys_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  std::uint64_t errors_a = 0;
  auto wall_a = std::chrono::steady_clock::now();
  boost::asio::steady_timer warm(io, std::chrono::seconds(2 * interval));
  warm.async_wait([&](auto) {
    cpu_a = cpu_seconds();
    sys_a = sys_ms();
    errors_a = eng.stats().query_errors;
    wall_a = std::chrono::steady_clock::now();
    measuring = true;
  });
  boost::asio::steady_timer end(io, std::chrono::seconds(2 * interval + seconds));
  double cpu_b = 0, rss_b = 0;
  std::uint64_t errors_b = 0;
  end.async_wait([&](auto) {
    cpu_b = cpu_seconds();
    sys_b = sys_ms();
    rss_b = rss_bytes();
    errors_b = eng.stats().query_errors;
    measuring = false;
    eng.drain([&] { io.stop(); });
  });
  io.run();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_a).count();

  // The journal: ticks with measurements, per rollout, and how late each came.
  const auto j = fg::engine::read_journal(journal);
  std::map<std::string, std::vector<std::int64_t>> ticks;
  std::uint64_t queries = 0;
  for (const auto& rec : j.records) {
    if (rec.value("type", "") != "tick" || rec["observations"].empty()) continue;
    ticks[rec.value("rollout", "")].push_back(rec.value("at_ms", std::int64_t{0}));
  }
  std::uint64_t missed = 0, looks = 0;
  const std::int64_t late = interval * 1000 * 3 / 2;
  for (const auto& [id, ts] : ticks) {
    for (std::size_t i = 1; i < ts.size(); ++i) {
      ++looks;
      missed += ts[i] - ts[i - 1] > late ? 1 : 0;
    }
  }
  // Queries in the measured window: 6 or 12 per tick with measurements in it.
  for (const auto& [id, ts] : ticks)
    for (const auto t : ts) queries += t >= sys_a && t < sys_b ? queries_per_tick : 0;
  const double cpu = cpu_b - cpu_a;
  std::printf(
      "rollouts %d · 3 %s metrics × 2 arms · interval %d s · measured %.0f s (after %.0f s of "
      "%s starts and one more interval)\n",
      n, test.c_str(), interval, wall, start_s, together ? "simultaneous" : "staggered");
  std::printf("queries %llu (%.0f/s) · CPU %.2f s (%.0f %% of one core) · %.1f µs CPU per query\n",
              static_cast<unsigned long long>(queries), static_cast<double>(queries) / wall, cpu,
              100.0 * cpu / wall, 1e6 * cpu / static_cast<double>(queries ? queries : 1));
  std::printf("resident memory: %.1f MiB before, %.1f MiB loaded · %.1f KiB per rollout\n",
              rss0 / 1048576.0, rss_b / 1048576.0, (rss_b - rss0) / 1024.0 / n);
  std::printf("looks %llu · missed intervals %llu · query errors %llu · journal %.1f MiB\n",
              static_cast<unsigned long long>(looks), static_cast<unsigned long long>(missed),
              static_cast<unsigned long long>(errors_b - errors_a),
              static_cast<double>(std::filesystem::file_size(journal)) / 1048576.0);
  const auto st = eng.stats();
  // Tick durations in ms at R-7 percentiles (0 when no tick measured).
  std::sort(tick_seconds.begin(), tick_seconds.end());
  const auto ms = [&](double p) {
    return tick_seconds.empty() ? 0.0 : 1e3 * fg::analysis::percentile_r7_sorted(tick_seconds, p);
  };
  std::printf(
      "ticks %zu · duration p50 %.2f ms · p90 %.2f ms · p99 %.2f ms · max %.2f ms · comparisons "
      "%s (%llu looks in %llu batches)\n",
      tick_seconds.size(), ms(50), ms(90), ms(99), ms(100), batch ? "batched" : "one by one",
      static_cast<unsigned long long>(st.judged_looks),
      static_cast<unsigned long long>(st.judged_batches));
  if (!a.count("--journal")) std::filesystem::remove(journal);
  return 0;
}
