#pragma once
// Real servers for integration tests: a child process started from a Debian binary with its
// output in a log file, stopped with SIGTERM (then SIGKILL after a grace period) when the test
// ends; and a scratch directory removed afterwards.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace floodgate::testing {

class child_process {
 public:
  /// Starts argv[0] (searched in PATH) with stdout and stderr appended to `log_file`. Throws
  /// std::runtime_error when it cannot be started.
  child_process(std::vector<std::string> argv, const std::filesystem::path& log_file);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  /// Sends `signal` and waits up to `grace` for the exit, then SIGKILL. Returns the exit status
  /// as waitpid reports it (or -1 when it had already been reaped).
  int stop(int signal = 15, std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
};

/// A fresh directory under the system's temporary directory, removed with its contents.
class scratch_dir {
 public:
  explicit scratch_dir(const std::string& prefix);
  ~scratch_dir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Calls `ready` every 100 ms until it returns true or `limit` passes; returns the last answer.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit);

/// Whether an executable of that name is on PATH.
bool on_path(const std::string& name);

}  // namespace floodgate::testing
