// floodgate-cases: runs shared case files through floodgate's own code.
//
//   floodgate-cases FILE...
//
// Prints one line per case — "PASS <id>", "FAIL <id>: expected … got …" or "SKIP <id>: <reason>"
// — and last "N passed, M failed, K skipped". Exits 1 when any case fails, 2 when a file cannot
// be read. The format of each file is recognised from its content, so new files in the same
// formats need no change here.

#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include "case_values.hpp"
#include "conformance_handlers.hpp"
#include "stats_handlers.hpp"

namespace {

using floodgate::cases::json;

struct tally {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

void pass(tally& t, const std::string& id) {
  ++t.passed;
  std::cout << "PASS " << id << '\n';
}
void fail(tally& t, const std::string& id, const std::string& why) {
  ++t.failed;
  std::cout << "FAIL " << id << ": " << why << '\n';
}
void skip(tally& t, const std::string& id, const std::string& why) {
  ++t.skipped;
  std::cout << "SKIP " << id << ": " << why << '\n';
}

void report(tally& t, const std::string& id, const floodgate::cases::outcome& o) {
  using verdict = floodgate::cases::outcome::verdict;
  switch (o.what) {
    case verdict::pass:
      pass(t, id);
      return;
    case verdict::fail:
      fail(t, id, o.why);
      return;
    case verdict::skip:
      skip(t, id, o.why);
      return;
  }
}

// One oracle case: {id, function, inputs, expected, tolerance}.
void run_oracle_case(tally& t, const json& c) {
  const std::string id = c.value("id", "<no id>");
  const std::string function = c.value("function", "");
  const auto& handlers = floodgate::cases::stats_handlers();
  const auto it = handlers.find(function);
  if (it == handlers.end()) {
    fail(t, id, "unknown function \"" + function + "\"");
    return;
  }
  try {
    const json actual = it->second(c.at("inputs"));
    const json& expected = c.at("expected");
    if (expected.is_object() && expected.contains("error")) {
      if (actual.contains("error")) {
        pass(t, id);
      } else {
        fail(t, id, "expected an error (" + expected.at("error").dump() + ") got " + actual.dump());
      }
      return;
    }
    if (actual.contains("error")) {
      fail(
          t, id,
          "expected " + expected.dump().substr(0, 100) + " got error " + actual.at("error").dump());
      return;
    }
    const auto tol = floodgate::cases::parse_tolerance(c.value("tolerance", json::object()));
    if (auto mismatch = floodgate::cases::compare(expected, actual, tol)) {
      fail(t, id, *mismatch);
    } else {
      pass(t, id);
    }
  } catch (const std::exception& e) {
    fail(t, id, std::string("cannot run case: ") + e.what());
  }
}

// Kayenta's ClassifierSuite arrays (shared/oracles/kayenta_test_vectors.json).
void run_kayenta_vectors(tally& t, const json& doc, const std::string& file) {
  int index = 0;
  for (const auto& v : doc.at("classifier_tests")) {
    ++index;
    const std::string id =
        file + "#classifier_tests/" + std::to_string(index) + " (" + v.value("name", "") + ")";
    if (v.value("expected_classification", json()).is_null()) {
      skip(t, id, "the source test asserts no classification");
      continue;
    }
    json c = {{"id", id},
              {"function", "kayenta_mann_whitney_classify"},
              {"inputs", v.at("params")},
              {"tolerance", {{"exact", true}}}};
    c["inputs"]["experiment"] = v.at("experiment");
    c["inputs"]["control"] = v.at("control");
    c["expected"] = {{"classification", v.at("expected_classification")}};
    if (!v.value("expected_critical", json()).is_null()) {
      c["expected"]["critical"] = v.at("expected_critical");
    }
    run_oracle_case(t, c);
  }
}

int run_file(tally& t, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << path << ": cannot open\n";
    return 2;
  }
  json doc;
  try {
    doc = json::parse(in);
  } catch (const std::exception& e) {
    std::cerr << path << ": not valid JSON: " << e.what() << '\n';
    return 2;
  }
  const std::string name = path.substr(path.find_last_of('/') + 1);
  if (doc.is_object() && doc.contains("classifier_tests")) {
    run_kayenta_vectors(t, doc, name);
    return 0;
  }
  if (!doc.is_object() || !doc.contains("cases") || !doc.at("cases").is_array()) {
    std::cerr << path << ": expected an object with a \"cases\" array or \"classifier_tests\"\n";
    return 2;
  }
  for (const auto& c : doc.at("cases")) {
    const std::string id = c.value("id", "<no id>");
    if (c.contains("function")) {
      run_oracle_case(t, c);
    } else if (c.contains("kind")) {
      report(t, id, floodgate::cases::run_argo_case(c));
    } else if (c.contains("config") && c.contains("expected")) {
      report(t, id, floodgate::cases::run_flagger_case(c));
    } else {
      fail(t, id, "unrecognised case format (no \"function\", \"kind\" or \"config\")");
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: floodgate-cases FILE...\n";
    return 2;
  }
  tally t;
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    const int s = run_file(t, argv[i]);
    if (s != 0) status = s;
  }
  std::cout << t.passed << " passed, " << t.failed << " failed, " << t.skipped << " skipped"
            << std::endl;
  if (status != 0) return status;
  return t.failed > 0 ? 1 : 0;
}
