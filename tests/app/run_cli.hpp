#pragma once
// Runs a command line and keeps what it printed: the app tests run the real executables.

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <string>

namespace floodgate::test {

struct run_result {
  int code = -1;
  std::string output;  // stdout, and stderr unless redirected
};

/// `command` through the shell; stderr joins stdout unless the command redirects it.
inline run_result run_command(const std::string& command) {
  run_result r;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) r.output += buf.data();
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// floodgate with `args`, stderr joined to stdout.
inline run_result run(const std::string& args) {
  return run_command(std::string(FLOODGATE_BIN) + " " + args + " 2>&1");
}

}  // namespace floodgate::test
