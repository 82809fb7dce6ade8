#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <floodgate/engine/journal.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace floodgate::engine {

namespace {

constexpr std::string_view crc_key = ",\"crc32\":\"";

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// The record of one line, or why the line is not one.
std::optional<nlohmann::json> verify(const std::string& line, std::string& why) {
  const auto at = line.rfind(crc_key);
  if (at == std::string::npos || line.size() != at + crc_key.size() + 8 + 2 ||
      line.compare(line.size() - 2, 2, "\"}") != 0) {
    why = "no checksum at the end";
    return std::nullopt;
  }
  const std::string stated = line.substr(at + crc_key.size(), 8);
  const std::string actual = crc32_hex(line.substr(0, at) + "}");
  if (stated != actual) {
    why = "checksum " + stated + " does not match the text's " + actual;
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned()) {
    why = "not a journal record";
    return std::nullopt;
  }
  j.erase("crc32");
  return j;
}

}  // namespace

std::string crc32_hex(std::string_view text) {
  boost::crc_32_type crc;
  crc.process_bytes(text.data(), text.size());
  char out[9];
  std::snprintf(out, sizeof out, "%08x", static_cast<unsigned>(crc.checksum()));
  return out;
}

journal::journal(std::string path, std::uint64_t next_seq)
    : path_(std::move(path)), seq_(next_seq) {
  const std::filesystem::path p(path_);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) throw std::runtime_error(errno_text("journal " + path_));
}

journal::~journal() {
  if (fd_ < 0) return;
  flush();
  ::close(fd_);
}

std::optional<std::string> journal::flush() {
  if (broken_) return "journal " + path_ + ": an earlier write failed; no more records";
  if (!unsynced_) return std::nullopt;
  const auto t0 = std::chrono::steady_clock::now();
  if (::fdatasync(fd_) != 0) {
    broken_ = true;
    return errno_text("journal " + path_ + ": fsync");
  }
  last_fsync_us_ =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  unsynced_ = false;
  return std::nullopt;
}

std::optional<std::string> journal::append(nlohmann::ordered_json record, durability d) {
  if (broken_) return "journal " + path_ + ": an earlier write failed; no more records";
  nlohmann::ordered_json line;
  line["seq"] = seq_;
  for (auto& [k, v] : record.items()) line[k] = std::move(v);
  std::string text = providers::ports::json_text(line);  // invalid UTF-8 → U+FFFD, no throw
  text.pop_back();                                       // the closing brace
  text += std::string(crc_key) + crc32_hex(text + "}") + "\"}\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t k = ::write(fd_, text.data() + done, text.size() - done);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      broken_ = true;
      return errno_text("journal " + path_ + ": write");
    }
    done += static_cast<std::size_t>(k);
  }
  ++seq_;
  unsynced_ = true;
  if (d == durability::deferred) return std::nullopt;
  return flush();
}

journal_contents read_journal(const std::string& path) {
  journal_contents out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  std::ostringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const std::size_t nl = text.find('\n', pos);
    const bool last = nl == std::string::npos || nl + 1 == text.size();
    const std::string line =
        text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    std::string why;
    std::optional<nlohmann::json> record;
    if (nl == std::string::npos) {
      why = "no newline at its end";
    } else {
      record = verify(line, why);
    }
    const std::string where = path + ":" + std::to_string(line_no);
    if (!record) {
      if (last) {
        out.warnings.push_back(where + ": dropped a torn last line (" + why +
                               "); it was being written when floodgate stopped");
        break;
      }
      out.error = where + ": damaged record (" + why +
                  "); later records depend on it, so floodgate will not guess — repair or move "
                  "the journal";
      return out;
    }
    const auto seq = (*record)["seq"].get<std::uint64_t>();
    if (seq != out.next_seq) {
      out.error = where + ": record " + std::to_string(seq) + " where " +
                  std::to_string(out.next_seq) + " was expected (a record is missing)";
      return out;
    }
    out.next_seq = seq + 1;
    out.records.push_back(std::move(*record));
    pos = nl + 1;
    out.valid_bytes = pos;
  }
  return out;
}

std::optional<std::string> truncate_journal(const std::string& path, std::size_t valid_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  if (std::filesystem::file_size(path, ec) == valid_bytes) return std::nullopt;
  if (::truncate(path.c_str(), static_cast<off_t>(valid_bytes)) != 0)
    return errno_text("journal " + path + ": truncate");
  return std::nullopt;
}

}  // namespace floodgate::engine
