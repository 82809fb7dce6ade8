#pragma once
// The conformance cases of shared/conformance/: Argo Rollouts' analysis semantics ("kind"
// cases) and Flagger's controller semantics ("config" cases), each answered by floodgate's own
// core and providers code.

#include <optional>
#include <string>

#include "case_values.hpp"

namespace floodgate::cases {

/// The outcome of one case: passed, failed (why), or skipped (why).
struct outcome {
  enum class verdict { pass, fail, skip } what = verdict::pass;
  std::string why;
  static outcome pass() { return {}; }
  static outcome fail(std::string why) { return {verdict::fail, std::move(why)}; }
  static outcome skip(std::string why) { return {verdict::skip, std::move(why)}; }
};

/// Collects every mismatch of a case as `key: expected "X" got "Y"`.
struct checker {
  std::string mismatches;
  void check(const std::string& key, const std::string& expected, const std::string& actual) {
    if (expected == actual) return;
    add(key + ": expected \"" + expected + "\" got \"" + actual + "\"");
  }
  void contains(const std::string& key, const std::string& needle, const std::string& hay) {
    if (hay.find(needle) != std::string::npos) return;
    add(key + ": expected to contain \"" + needle + "\" got \"" + hay + "\"");
  }
  outcome result() const {
    return mismatches.empty() ? outcome::pass() : outcome::fail(mismatches);
  }

 private:
  void add(const std::string& m) { mismatches += (mismatches.empty() ? "" : "; ") + m; }
};

outcome run_argo_case(const json& c);
outcome run_flagger_case(const json& c);
/// The Flagger cases that need a transport (flagger_transport_handlers.cpp), or nothing.
std::optional<outcome> run_flagger_transport_case(const json& c);

}  // namespace floodgate::cases
