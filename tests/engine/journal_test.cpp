// The decision journal: records come back as written, numbered and checksummed; a torn last line
// is dropped with a warning and cut off; a damaged record before the end, or a missing one, is
// an error.

#include <catch2/catch.hpp>
#include <floodgate/engine/journal.hpp>
#include <fstream>

#include "../support/files.hpp"
#include "../support/process.hpp"

using namespace floodgate::engine;
using floodgate::testing::read_file;
using floodgate::testing::scratch_dir;

namespace {

void write_records(const std::string& path, int n) {
  journal j(path, 1);
  for (int i = 0; i < n; ++i) {
    nlohmann::ordered_json r;
    r["type"] = "tick";
    r["i"] = i;
    REQUIRE_FALSE(j.append(r));
  }
}

}  // namespace

TEST_CASE("CRC-32 is zlib's", "[engine][journal]") {
  // zlib.crc32(b"123456789") == 0xcbf43926 (the CRC-32 check value, Python 3.11).
  CHECK(crc32_hex("123456789") == "cbf43926");
  CHECK(crc32_hex("") == "00000000");
}

TEST_CASE("records come back in order, verified", "[engine][journal]") {
  scratch_dir dir("floodgate-journal");
  const auto path = (dir.path() / "sub" / "j.jsonl").string();
  write_records(path, 3);
  const auto text = read_file(path);
  CHECK(text.rfind("{\"seq\":1,\"type\":\"tick\",\"i\":0,\"crc32\":\"", 0) == 0);
  auto c = read_journal(path);
  REQUIRE_FALSE(c.error);
  CHECK(c.warnings.empty());
  REQUIRE(c.records.size() == 3);
  CHECK(c.records[2]["i"] == 2);
  CHECK_FALSE(c.records[2].contains("crc32"));
  CHECK(c.next_seq == 4);
  CHECK(c.valid_bytes == text.size());
  // Appending continues the numbering.
  journal more(path, c.next_seq);
  REQUIRE_FALSE(more.append({{"type", "end"}}));
  CHECK(read_journal(path).records.back()["seq"] == 4);
  CHECK(read_journal((dir.path() / "none.jsonl").string()).records.empty());
}

TEST_CASE("a torn last line is dropped, warned about and cut off", "[engine][journal]") {
  scratch_dir dir("floodgate-journal");
  const auto path = (dir.path() / "j.jsonl").string();
  write_records(path, 2);
  const std::size_t good = read_file(path).size();
  std::ofstream(path, std::ios::app) << R"({"seq":3,"type":"tick","i":2,"cr)";
  auto c = read_journal(path);
  REQUIRE_FALSE(c.error);
  CHECK(c.records.size() == 2);
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0] == path +
                             ":3: dropped a torn last line (no newline at its end); it was being "
                             "written when floodgate stopped");
  CHECK(c.valid_bytes == good);
  REQUIRE_FALSE(truncate_journal(path, c.valid_bytes));
  CHECK(read_file(path).size() == good);

  // A whole last line whose checksum does not match (a partial write of a page) is torn too.
  std::ofstream(path, std::ios::app) << R"({"seq":3,"type":"tick","i":2,"crc32":"00000000"})"
                                     << "\n";
  c = read_journal(path);
  CHECK(c.records.size() == 2);
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0].find("checksum 00000000 does not match") != std::string::npos);
}

TEST_CASE("a damaged or missing record before the end is an error", "[engine][journal]") {
  scratch_dir dir("floodgate-journal");
  const auto path = (dir.path() / "j.jsonl").string();
  write_records(path, 3);
  std::string text = read_file(path);
  const auto at = text.find("\"i\":1");
  text[at + 4] = '7';  // the second record's value changed behind the checksum's back
  std::ofstream(path, std::ios::trunc) << text;
  auto c = read_journal(path);
  REQUIRE(c.error);
  CHECK(c.error->rfind(path + ":2: damaged record (checksum ", 0) == 0);

  write_records(path + ".2", 3);
  std::string lines = read_file(path + ".2");
  const auto first_end = lines.find('\n');
  const auto second_end = lines.find('\n', first_end + 1);
  lines.erase(first_end + 1, second_end - first_end);  // record 2 removed
  std::ofstream(path + ".2", std::ios::trunc) << lines;
  c = read_journal(path + ".2");
  REQUIRE(c.error);
  CHECK(*c.error == path + ".2:2: record 3 where 2 was expected (a record is missing)");
}

TEST_CASE("a record holding bytes that are not UTF-8 is written, not thrown", "[engine][journal]") {
  // A web metric answering raw bytes, a server's error page: the text is kept with U+FFFD.
  scratch_dir dir("floodgate-journal");
  const auto path = (dir.path() / "j.jsonl").string();
  journal j(path, 1);
  REQUIRE_FALSE(j.append({{"type", "tick"}, {"error", "HTTP 503: \xff\xfe<html>"}}));
  const auto c = read_journal(path);
  REQUIRE_FALSE(c.error);
  REQUIRE(c.records.size() == 1);
  CHECK(c.records[0]["error"] == "HTTP 503: \xEF\xBF\xBD\xEF\xBF\xBD<html>");
}

TEST_CASE("deferred records reach the disk with the next fsync", "[engine][journal]") {
  scratch_dir dir("floodgate-journal");
  const auto path = (dir.path() / "j.jsonl").string();
  journal j(path, 1);
  REQUIRE_FALSE(j.append({{"type", "tick"}, {"i", 1}}, journal::durability::deferred));
  REQUIRE_FALSE(j.append({{"type", "tick"}, {"i", 2}}, journal::durability::deferred));
  CHECK(j.unsynced());
  REQUIRE_FALSE(j.flush());
  CHECK_FALSE(j.unsynced());
  REQUIRE_FALSE(j.append({{"type", "tick"}, {"i", 3}}, journal::durability::deferred));
  REQUIRE_FALSE(j.append({{"type", "abort"}}));  // durable: fsyncs the deferred one too
  CHECK_FALSE(j.unsynced());
  const auto c = read_journal(path);
  REQUIRE(c.records.size() == 4);
  CHECK(c.records[2]["i"] == 3);
  CHECK(c.records[3]["seq"] == 4);
}
