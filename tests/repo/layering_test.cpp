// The module rules of shared/DESIGN.md, checked on the #include lines of every source file, and
// no real clock outside engine/runtime.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../support/files.hpp"

namespace {

namespace fs = std::filesystem;

struct rule {
  std::string module;                  // path prefix below the repository root
  std::vector<std::string> forbidden;  // include prefixes
  std::vector<std::string> allowed;    // exceptions to `forbidden`
  bool std_eigen_only = false;         // analysis: std, Eigen and itself only
  bool clock_allowed = false;
};

const std::vector<rule>& rules() {
  static const std::vector<std::string> always{"catch2/", "benchmark/"};
  static const std::vector<rule> r = [] {
    std::vector<rule> v;
    v.push_back({"analysis/", {}, {"Eigen/", "floodgate/analysis/"}, true, false});
    v.push_back({"engine/core/",
                 {"boost/", "nlohmann/", "prometheus/", "yaml-cpp/", "floodgate/config/",
                  "floodgate/providers/", "floodgate/engine/", "floodgate/sim/"},
                 {},
                 false,
                 false});
    v.push_back(
        {"engine/config/",
         {"boost/", "prometheus/", "floodgate/providers/", "floodgate/engine/", "floodgate/sim/"},
         {},
         false,
         false});
    v.push_back({"providers/", {"floodgate/engine/", "floodgate/sim/"}, {}, false, false});
    v.push_back({"engine/runtime/",
                 {"floodgate/providers/", "floodgate/sim/"},
                 {"floodgate/providers/ports/"},
                 false,
                 true});
    // The session runs in the simulator too: no Asio, no clock of its own.
    for (const char* f :
         {"engine/runtime/src/session.cpp", "engine/runtime/include/floodgate/engine/session.hpp"})
      v.push_back({f,
                   {"boost/", "prometheus/", "floodgate/providers/", "floodgate/sim/"},
                   {"floodgate/providers/ports/"},
                   false,
                   false});
    v.push_back({"sim/",
                 {"boost/", "sys/socket.h", "netinet/", "arpa/", "floodgate/engine/",
                  "floodgate/providers/"},
                 // The session is the Asio-free half of the runtime: a replay drives it as the
                 // live engine does, so both take the same decisions.
                 {"floodgate/providers/recorded/", "floodgate/engine/session.hpp"},
                 false,
                 false});
    v.push_back({"engine/app/", {}, {}, false, false});
    for (auto& x : v) x.forbidden.insert(x.forbidden.end(), always.begin(), always.end());
    return v;
  }();
  return r;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

std::string strip_comments(const std::string& text) {
  static const std::regex block(R"(/\*[\s\S]*?\*/)");
  static const std::regex line(R"(//[^\n]*)");
  return std::regex_replace(std::regex_replace(text, block, " "), line, "");
}

// Every rule broken by `text`, a source file of `module` (a rule's path prefix).
std::vector<std::string> violations(const rule& r, const std::string& text) {
  std::vector<std::string> out;
  static const std::regex include(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  std::istringstream in(text);
  std::string line_text;
  while (std::getline(in, line_text)) {
    std::smatch m;
    if (!std::regex_search(line_text, m, include)) continue;
    const bool quoted = m[1] == "\"";
    const std::string target = m[2];
    if (quoted) {
      if (target.find("tests/") != std::string::npos) out.push_back("includes " + target);
      continue;
    }
    bool allowed = false;
    for (const auto& a : r.allowed) allowed = allowed || starts_with(target, a);
    if (allowed) continue;
    if (r.std_eigen_only && target.find('/') != std::string::npos) {
      out.push_back("includes <" + target + "> (analysis may use std and Eigen only)");
      continue;
    }
    for (const auto& f : r.forbidden) {
      if (starts_with(target, f)) out.push_back("includes <" + target + ">");
    }
  }
  if (!r.clock_allowed) {
    static const std::regex clock(
        R"((::now\s*\()|\bsleep_for\b|\bsleep_until\b|\bgettimeofday\b|\bclock_gettime\b)");
    if (std::regex_search(strip_comments(text), clock)) {
      out.push_back("uses a real clock (only engine/runtime may)");
    }
  }
  return out;
}

const rule& rule_named(const std::string& module) {
  for (const auto& r : rules()) {
    if (r.module == module) return r;
  }
  FAIL("no rule " << module);
  throw;
}

}  // namespace

TEST_CASE("the layering checker catches what it must", "[repo]") {
  const auto& analysis = rule_named("analysis/");
  CHECK(violations(analysis, "#include <vector>\n#include <Eigen/Dense>\n").empty());
  CHECK(violations(analysis, "#include <floodgate/analysis/status.hpp>\n").empty());
  CHECK(violations(analysis, "#include <floodgate/core/plan.hpp>\n").size() == 1);
  CHECK(violations(analysis, "#include <boost/asio.hpp>\n").size() == 1);
  CHECK(violations(analysis, "auto t = std::chrono::steady_clock::now();\n").size() == 1);
  CHECK(violations(analysis, "// not now() but a comment\n").empty());
  const auto& core = rule_named("engine/core/");
  CHECK(violations(core, "#include <boost/asio/io_context.hpp>\n").size() == 1);
  CHECK(violations(core, "#include <nlohmann/json.hpp>\n").size() == 1);
  CHECK(violations(core, "std::this_thread::sleep_for(1s);\n").size() == 1);
  CHECK(violations(rule_named("providers/"), "#include <floodgate/engine/runtime.hpp>\n").size() ==
        1);
  const auto& runtime = rule_named("engine/runtime/");
  CHECK(violations(runtime, "#include <floodgate/providers/ports/metrics_source.hpp>\n").empty());
  CHECK(violations(runtime, "#include <floodgate/providers/prometheus_client.hpp>\n").size() == 1);
  CHECK(violations(runtime, "auto t = clock::now();\n").empty());
  CHECK(violations(rule_named("sim/"), "#include <boost/beast.hpp>\n").size() == 1);
  CHECK(violations(rule_named("sim/"), "#include <floodgate/engine/session.hpp>\n").empty());
  CHECK(violations(rule_named("sim/"), "#include <floodgate/engine/engine.hpp>\n").size() == 1);
  const auto& session = rule_named("engine/runtime/src/session.cpp");
  CHECK(violations(session, "auto t = clock::now();\n").size() == 1);
  CHECK(violations(session, "#include <boost/asio/post.hpp>\n").size() == 1);
  CHECK(violations(rule_named("engine/app/"), "#include <catch2/catch.hpp>\n").size() == 1);
  CHECK(violations(rule_named("engine/app/"), "#include \"../../tests/x.hpp\"\n").size() == 1);
}

TEST_CASE("the source tree respects the module rules", "[repo]") {
  const fs::path root = FLOODGATE_SOURCE_DIR;
  int checked = 0;
  for (const auto& r : rules()) {
    const fs::path dir = root / r.module;
    if (!fs::exists(dir)) continue;
    std::vector<fs::path> files;
    if (fs::is_regular_file(dir)) files.push_back(dir);
    if (fs::is_directory(dir))
      for (const auto& e : fs::recursive_directory_iterator(dir)) files.push_back(e.path());
    for (const auto& path : files) {
      const auto ext = path.extension();
      if (ext != ".cpp" && ext != ".hpp" && ext != ".h") continue;
      ++checked;
      for (const auto& v : violations(r, floodgate::testing::read_file(path))) {
        FAIL_CHECK(fs::relative(path, root).string() << ": " << v);
      }
    }
  }
  CHECK(checked > 10);
}
