#pragma once
// A scratch Prometheus (Debian's) holding the samples of an OpenMetrics text: backfilled with
// `promtool tsdb create-blocks-from openmetrics`, then started on a free loopback port with
// nothing to scrape. Stopped when destroyed. Prometheus backfills only data older than its head
// block: keep the samples at least a few minutes in the past.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "http_stub.hpp"
#include "process.hpp"

namespace floodgate::testing {

/// An instant a backfill can end at: now rounded down to a multiple of `round_s` seconds, then
/// ten minutes back (Prometheus backfills only data older than its head block).
inline std::int64_t backfill_end(std::int64_t round_s) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return now / round_s * round_s - 600;
}

class backfilled_prometheus {
 public:
  /// Throws std::runtime_error when promtool fails or does not finish within a minute.
  backfilled_prometheus(const scratch_dir& dir, const std::string& openmetrics) {
    const auto input = dir.path() / "backfill.om";
    const auto tsdb = dir.path() / "tsdb";
    std::ofstream(input) << openmetrics;
    {
      child_process promtool(
          {"promtool", "tsdb", "create-blocks-from", "openmetrics", input.string(), tsdb.string()},
          dir.path() / "promtool.log");
      if (!wait_until([&] { return !promtool.running(); }, std::chrono::seconds(60)))
        throw std::runtime_error("promtool did not finish backfilling within a minute");
    }
    port_ = unused_port();
    const auto config = dir.path() / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1h\n";
    server_ = std::make_unique<child_process>(
        std::vector<std::string>{"prometheus", "--config.file=" + config.string(),
                                 "--storage.tsdb.path=" + tsdb.string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        dir.path() / "prometheus.log");
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  unsigned short port() const { return port_; }

 private:
  unsigned short port_ = 0;
  std::unique_ptr<child_process> server_;
};

}  // namespace floodgate::testing
