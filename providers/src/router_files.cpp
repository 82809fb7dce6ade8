// The routers that work through files and commands (nginx, Kubernetes manifests), the command
// runner and the atomic file write they share. File and process work is blocking, so each
// router runs it on a worker thread of its own and reports back on the io_context.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <floodgate/providers/routers.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace floodgate::providers {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

void check_weight(int w) {
  if (w < 0 || w > 100)
    throw std::invalid_argument("canary weight " + std::to_string(w) + " is outside 0..100");
}

// The whole file, or nothing when it does not exist.
std::optional<std::string> read_existing(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// A router whose work is a blocking job: run on the worker, answered on the io_context.
class blocking_router : public ports::traffic_router {
 public:
  explicit blocking_router(asio::io_context& io) : io_(io) {}
  ~blocking_router() override { finish(); }

  void set_weight(const ports::route_change& change,
                  std::function<void(std::optional<std::string>)> done) override {
    // The guard keeps the io_context running until the answer is back on it.
    asio::post(worker_, [this, change, guard = asio::make_work_guard(io_),
                         done = std::move(done)]() mutable {
      std::optional<std::string> result;
      try {
        result = apply(change);
      } catch (const std::exception& e) {
        result = e.what();
      }
      asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
      guard.reset();
    });
  }

 protected:
  virtual std::optional<std::string> apply(const ports::route_change& change) = 0;
  // Waits for the job in progress; derived routers call it first in their destructors, while
  // what apply() uses still exists.
  void finish() { worker_.join(); }

 private:
  asio::io_context& io_;
  asio::thread_pool worker_{1};
};

class nginx_router final : public blocking_router {
 public:
  nginx_router(asio::io_context& io, nginx_target t) : blocking_router(io), t_(std::move(t)) {
    if (t_.include_file.empty() || t_.name.empty() || t_.canary.empty() || t_.stable.empty())
      throw std::invalid_argument("nginx: include file, name, canary and stable are needed");
  }
  ~nginx_router() override { finish(); }
  std::string describe() const override {
    return "nginx " + t_.include_file + " " +
           (t_.kind == nginx_target::style::upstream ? "upstream " : "split_clients $") + t_.name;
  }

 private:
  std::optional<std::string> apply(const ports::route_change& change) override {
    const std::string text = render_nginx_include(t_, change.canary_weight);
    const auto previous = read_existing(t_.include_file);
    if (previous == text) {
      // Already in place (a repeated call after a restart): nginx may still need the reload.
    } else if (auto e = write_file_atomically(t_.include_file, text)) {
      return "nginx: " + *e;
    }
    auto put_back = [&]() -> std::string {
      if (previous == text) return "";
      if (previous) {
        if (auto e = write_file_atomically(t_.include_file, *previous))
          return "; putting the previous file back failed too: " + *e;
        return "; the previous file is back in place";
      }
      std::error_code ec;
      fs::remove(t_.include_file, ec);
      return ec ? "; removing the new file failed too: " + ec.message()
                : "; the new file is removed";
    };
    if (!t_.test_command.empty()) {
      const auto r = run_command(t_.test_command, "", t_.command_timeout);
      if (!r.ok()) return "nginx: " + r.describe(t_.test_command) + put_back();
    }
    if (!t_.reload_command.empty()) {
      const auto r = run_command(t_.reload_command, "", t_.command_timeout);
      if (!r.ok()) return "nginx: " + r.describe(t_.reload_command) + put_back();
    }
    return std::nullopt;
  }

  nginx_target t_;
};

nlohmann::ordered_json render_manifest(const manifest_target& t, int w) {
  if (t.kind == "istio") return istio_virtual_service(t.target, w);
  if (t.kind == "ingress-nginx") return ingress_nginx_canary(t.target, w);
  if (t.kind == "gateway-api") return gateway_http_route(t.target, w);
  return smi_traffic_split(t.target, w);
}

class manifest_router final : public blocking_router {
 public:
  manifest_router(asio::io_context& io, manifest_target t) : blocking_router(io), t_(std::move(t)) {
    if (auto e = check_manifest_kind(t_.kind)) throw std::invalid_argument(*e);
    if (t_.directory.empty() == t_.command.empty())
      throw std::invalid_argument("manifests: give exactly one of a directory and a command");
    if (t_.target.name.empty()) throw std::invalid_argument("manifests: a name is needed");
  }
  ~manifest_router() override { finish(); }
  std::string describe() const override {
    return t_.kind + " manifests " +
           (t_.directory.empty() ? "| " + join(t_.command) : "in " + t_.directory);
  }

 private:
  std::optional<std::string> apply(const ports::route_change& change) override {
    check_weight(change.canary_weight);
    const std::string text = render_manifest(t_, change.canary_weight).dump(2) + "\n";
    if (!t_.directory.empty()) {
      const std::string path =
          (fs::path(t_.directory) / (t_.target.name + "." + t_.kind + ".json")).string();
      if (auto e = write_file_atomically(path, text)) return "manifests: " + *e;
      return std::nullopt;
    }
    const auto r = run_command(t_.command, text, t_.command_timeout);
    if (!r.ok()) return "manifests: " + r.describe(t_.command);
    return std::nullopt;
  }

  manifest_target t_;
};

}  // namespace

std::string render_nginx_include(const nginx_target& t, int w) {
  check_weight(w);
  std::string s = "# Written by floodgate: canary " + std::to_string(w) + " %, stable " +
                  std::to_string(100 - w) + " %. Do not edit; the next decision replaces it.\n";
  if (t.kind == nginx_target::style::upstream) {
    // nginx refuses weight=0: a server without traffic is marked down instead.
    auto server = [](const std::string& address, int weight) {
      return "    server " + address +
             (weight == 0 ? " down" : " weight=" + std::to_string(weight)) + ";\n";
    };
    s += "upstream " + t.name + " {\n" + server(t.stable, 100 - w) + server(t.canary, w) + "}\n";
  } else {
    s += "split_clients \"" + t.split_key + "\" $" + t.name + " {\n";
    if (w == 100) {
      s += "    * " + t.canary + ";\n";
    } else {
      if (w > 0) s += "    " + std::to_string(w) + "% " + t.canary + ";\n";
      s += "    * " + t.stable + ";\n";
    }
    s += "}\n";
  }
  return s;
}

std::optional<std::string> check_manifest_kind(const std::string& kind) {
  for (const char* k : {"istio", "ingress-nginx", "gateway-api", "smi"})
    if (kind == k) return std::nullopt;
  return "manifest kind: expected istio, ingress-nginx, gateway-api or smi, found \"" + kind + "\"";
}

std::unique_ptr<ports::traffic_router> make_nginx_router(asio::io_context& io,
                                                         nginx_target target) {
  return std::make_unique<nginx_router>(io, std::move(target));
}

std::unique_ptr<ports::traffic_router> make_manifest_router(asio::io_context& io,
                                                            manifest_target target) {
  return std::make_unique<manifest_router>(io, std::move(target));
}

std::string command_result::describe(const std::vector<std::string>& argv) const {
  std::string s = "`" + join(argv) + "` ";
  if (!error.empty()) {
    s += error;
  } else {
    s += "exited with " + std::to_string(exit_code);
  }
  std::string out = output;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (!out.empty()) s += ": " + out;
  return s;
}

command_result run_command(const std::vector<std::string>& argv, const std::string& input,
                           core::millis timeout) {
  command_result r;
  if (argv.empty()) {
    r.error = "no command";
    return r;
  }
  int in_pipe[2];
  int out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) {
    r.error = errno_text("pipe");
    return r;
  }
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    r.error = errno_text("pipe");
    close(in_pipe[0]);
    close(in_pipe[1]);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (spawned != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    r.error = "could not start: " + std::string(std::strerror(spawned));
    return r;
  }
  // Feed the input and collect the output until the command closes its output, or the timer
  // (a timerfd in the same poll) fires.
  const int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  itimerspec when{};
  when.it_value.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  when.it_value.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0) when.it_value.tv_nsec = 1;
  timerfd_settime(timer, 0, &when, nullptr);
  std::size_t written = 0;
  int in_fd = in_pipe[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  bool timed_out = false;
  for (;;) {
    pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {timer, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    const int n = poll(fds, in_fd >= 0 ? 3 : 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (fds[1].revents & POLLIN) {
      timed_out = true;
      break;
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t k = write(in_fd, input.data() + written, input.size() - written);
      if (k > 0) written += static_cast<std::size_t>(k);
      if (k < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // it stopped reading
      if (written == input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      const ssize_t k = read(out_pipe[0], buf, sizeof buf);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      if (r.output.size() < (64u << 10)) r.output.append(buf, static_cast<std::size_t>(k));
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out_pipe[0]);
  close(timer);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    r.error = "did not finish within " + core::format_go_duration(timeout) + " (killed)";
  } else if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.error = "was killed by signal " + std::to_string(WTERMSIG(status));
  }
  return r;
}

std::optional<std::string> write_file_atomically(const std::string& path, const std::string& text) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string temp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(temp.data());
  if (fd < 0) return errno_text("create a temporary file beside " + path);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t k = write(fd, text.data() + done, text.size() - done);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      const auto e = errno_text("write " + temp);
      close(fd);
      unlink(temp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(k);
  }
  // Readable by the server that includes it (mkstemp creates 0600).
  fchmod(fd, 0644);
  if (fsync(fd) != 0) {
    const auto e = errno_text("fsync " + temp);
    close(fd);
    unlink(temp.c_str());
    return e;
  }
  close(fd);
  if (rename(temp.c_str(), path.c_str()) != 0) {
    const auto e = errno_text("rename to " + path);
    unlink(temp.c_str());
    return e;
  }
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return std::nullopt;
}

}  // namespace floodgate::providers
