#include <fmt/format.h>
#include <unistd.h>

#include <floodgate/engine/progress.hpp>

namespace floodgate::engine {

progress_bar::progress_bar(std::FILE* out, std::string what, std::string unit)
    : out_(out),
      what_(std::move(what)),
      unit_(std::move(unit)),
      terminal_(isatty(fileno(out)) != 0),
      began_(std::chrono::steady_clock::now()) {}

void progress_bar::update(std::size_t done, std::size_t total) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - began_).count();
  if (elapsed < 1.0 || total == 0) return;
  const double share = static_cast<double>(done) / static_cast<double>(total);
  const double left = done == 0 ? 0 : elapsed * (1 - share) / share;
  const auto line = fmt::format(
      "{}: {}/{} {} [{:<20}] {:.0f} % · {:.1f} s, about {:.1f} s to go", what_, done, total, unit_,
      std::string(static_cast<std::size_t>(share * 20), '#'), 100 * share, elapsed, left);
  if (terminal_) {
    if (shown_ && now - drawn_ < std::chrono::milliseconds(100) && done < total) return;
    fmt::print(out_, "\r{}\x1b[K", line);
    drawn_ = now;
  } else {
    const std::size_t tenth = done * 10 / total;
    if (tenth == last_tenth_) return;
    last_tenth_ = tenth;
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
  shown_ = true;
}

void progress_bar::finish() {
  if (shown_ && terminal_) fmt::print(out_, "\n");
  shown_ = false;
}

}  // namespace floodgate::engine
