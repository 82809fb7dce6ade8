#pragma once
// A progress bar for long offline work (`floodgate simulate --runs`), on a stream (stderr):
// nothing for the first second, then on a terminal one line redrawn at most ten times a second
// ("simulate: 4200/10000 runs [########............] 42 % · 3.1 s, about 4.2 s to go"), and
// elsewhere (a CI log) one line per tenth done. Lives in the runtime because it reads the clock.

#include <chrono>
#include <cstdio>
#include <string>

namespace floodgate::engine {

class progress_bar {
 public:
  /// `what` names the work ("simulate"), `unit` what is counted ("runs").
  progress_bar(std::FILE* out, std::string what, std::string unit);
  /// Called from one thread as work is done.
  void update(std::size_t done, std::size_t total);
  /// Ends the line drawn, if any.
  void finish();

 private:
  std::FILE* out_;
  std::string what_;
  std::string unit_;
  bool terminal_;
  std::chrono::steady_clock::time_point began_;
  std::chrono::steady_clock::time_point drawn_{};
  std::size_t last_tenth_ = 0;
  bool shown_ = false;
};

}  // namespace floodgate::engine
