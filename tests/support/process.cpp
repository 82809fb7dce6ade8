#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace floodgate::testing {

child_process::child_process(std::vector<std::string> argv, const std::filesystem::path& log_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

child_process::~child_process() { stop(); }

bool child_process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int child_process::stop(int signal, std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  const auto step = std::chrono::milliseconds(20);
  for (auto waited = std::chrono::milliseconds(0); waited < grace; waited += step) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(step);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

scratch_dir::scratch_dir(const std::string& prefix) {
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    auto p = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(rd() % 1000000));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a scratch directory for " + prefix);
}

scratch_dir::~scratch_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  for (auto waited = std::chrono::milliseconds(0);; waited += std::chrono::milliseconds(100)) {
    if (ready()) return true;
    if (waited >= limit) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (access((std::filesystem::path(dir) / name).c_str(), X_OK) == 0) return true;
  }
  return access(("/usr/sbin/" + name).c_str(), X_OK) == 0;
}

}  // namespace floodgate::testing
