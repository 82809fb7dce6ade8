#pragma once
// Files in tests: reading one whole, and comparing an output with its golden file
// (FLOODGATE_UPDATE_GOLDEN=1 rewrites the golden file first — review the diff).

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace floodgate::testing {

/// The file's contents, "" when it cannot be read.
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Checks `actual` against the golden file at `path`.
inline void check_golden(const std::filesystem::path& path, const std::string& actual) {
  if (std::getenv("FLOODGATE_UPDATE_GOLDEN") != nullptr) std::ofstream(path) << actual;
  INFO(path.string());
  REQUIRE(std::filesystem::exists(path));
  CHECK(actual == read_file(path));
}

}  // namespace floodgate::testing
