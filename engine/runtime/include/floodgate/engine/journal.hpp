#pragma once
// The decision journal: an append-only file of JSON lines, one record per event of a rollout
// (start, tick, approve, abort, routed, end), each line ending in a CRC-32 of its own text and
// fsync'd before append() returns — so before the router is called. A record may be written
// `deferred` instead (a tick that decided nothing): it reaches the disk with the next fsync —
// the next durable record's, or flush() — so a machine crash can cost a second of measurements
// (taken again after the restart), never a decision. On start the journal is
// read back: a last line cut short by a crash (no newline, or a checksum that does not match)
// is dropped with a warning; a damaged line anywhere else is an error, because dropping it
// would lose a decision.
//
// Line format: {"seq":7,"type":"tick",...,"crc32":"9a0b1c2d"} where the checksum covers the
// line's text up to (not including) `,"crc32":` followed by a closing `}`.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace floodgate::engine {

class journal {
 public:
  /// Opens (creating it and its directory when needed) the journal for appending; `next_seq`
  /// continues the numbering of the records already there. Throws std::runtime_error with the
  /// path and the reason when the file cannot be opened.
  journal(std::string path, std::uint64_t next_seq);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  enum class durability { now, deferred };
  /// Adds `seq` (first) and the checksum (last), writes the line and (unless deferred) fsyncs
  /// it with every line before it. The error, or nothing; after an error the journal refuses
  /// further records (the caller must stop).
  std::optional<std::string> append(nlohmann::ordered_json record, durability d = durability::now);
  /// Fsyncs the lines written deferred, if any. The error, or nothing.
  std::optional<std::string> flush();
  bool unsynced() const { return unsynced_; }

  const std::string& path() const { return path_; }
  std::uint64_t next_seq() const { return seq_; }
  /// Time the last fsync took, in microseconds (for /metrics).
  double last_fsync_us() const { return last_fsync_us_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t seq_ = 1;
  bool broken_ = false;
  bool unsynced_ = false;
  double last_fsync_us_ = 0.0;
};

struct journal_contents {
  std::vector<nlohmann::json> records;  ///< in order, each verified
  std::vector<std::string> warnings;    ///< "journal.jsonl:42: dropped a torn last line (…)"
  std::optional<std::string> error;     ///< a damaged record before the last line
  std::uint64_t next_seq = 1;
  std::size_t valid_bytes = 0;  ///< the file's length up to the end of the last good line
};

/// Reads a journal; a missing file is an empty journal.
journal_contents read_journal(const std::string& path);

/// Cuts the file after its last good line (what read_journal called valid_bytes), so the next
/// record does not follow a torn one. The error, or nothing.
std::optional<std::string> truncate_journal(const std::string& path, std::size_t valid_bytes);

/// The CRC-32 (IEEE 802.3, as zlib's crc32) of `text`, as 8 lower-case hex digits.
std::string crc32_hex(std::string_view text);

}  // namespace floodgate::engine
