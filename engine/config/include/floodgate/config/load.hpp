#pragma once
// Loading plan files: YAML (multi-document) or JSON, floodgate's own schema or Argo Rollouts' and
// Flagger's resources. Everything is validated before anything is returned: a file with an error
// yields no plan at all, and every error is reported (not just the first).

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <floodgate/config/plan.hpp>

namespace floodgate::config {

/// One problem, located: "plan.yaml:12:7: /spec/strategy/canary/steps/1/pause/duration: found
/// "5x", expected a duration such as 30s or 5m".
struct diagnostic {
  std::string file;
  int line = 0;         ///< 1-based; 0 when unknown
  int column = 0;       ///< 1-based
  std::string pointer;  ///< JSON pointer into the document ("/spec/metrics/0/count")
  std::string message;
  std::string format() const;
};

/// A document that is not a plan (a Service, an Ingress, …), skipped with a note.
struct skipped_document {
  std::string file;
  int line = 0;
  std::string kind;
  std::string name;
  std::string note;
};

struct load_result {
  std::vector<plan> plans;
  std::vector<template_info> templates;
  std::vector<skipped_document> skipped;
  std::vector<diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

/// A file's contents with the name used in diagnostics.
struct source_file {
  std::string name;
  std::string text;
  bool operator==(const source_file&) const = default;
};

/// Loads the files together (a Rollout may use templates defined in another of them). When any
/// error is found, `plans` is empty.
load_result load(const std::vector<source_file>& files);

/// The files' text as read from disk, and an error ("cannot read the file") for each that
/// cannot be read.
struct read_result {
  std::vector<source_file> files;
  std::vector<diagnostic> errors;
};
read_result read_files(const std::vector<std::string>& paths);

/// An AnalysisTemplate of the files turned into the AnalysisRun Argo would create from it with
/// these argument values (an argument with neither a value in the template nor one here is an
/// error; valueFrom arguments stay for run time). `name` picks the template; "" = the only one.
/// The result is a file named "<file> (AnalysisRun of <template>)", or the error.
std::variant<source_file, std::string> run_of_template(
    const std::vector<source_file>& files, const std::string& name,
    const std::map<std::string, std::string>& args);

/// A YAML or JSON object of strings (`floodgate simulate --map`: what each query is recorded
/// as), in file order; or the located errors.
std::variant<std::vector<std::pair<std::string, std::string>>, std::vector<diagnostic>>
read_string_map(const source_file& file);

/// One plan parameter and the values a sweep tries (`floodgate simulate --sweep KEY=V1,V2`).
struct setting {
  std::string key;
  std::vector<std::string> values;
};
/// "alpha=0.01,0.05" into a setting, or what is wrong with the text.
std::variant<setting, std::string> parse_setting(std::string_view text);

/// The files with `key` set to `value` everywhere it applies, written back as YAML (comments
/// dropped); an error when the key applies nowhere or a file is not YAML. Keys:
///   alpha, power, minEffect, test, model, maxTime, onInsufficient, quantile — every metric's
///     `compare` block;
///   interval, count, failureLimit, inconclusiveLimit, initialDelay, successCondition,
///     failureCondition — every metric (an item of a `metrics` list; the conditions only those
///     without `compare`);
///   weight.N / pause.N — the N-th setWeight / pause step of a canary (from 1);
///   arg.NAME — the value of every argument NAME (a Plan's or a template's `args`);
///   /a/json/pointer — that one field (its parent must exist).
std::variant<std::vector<source_file>, std::string> apply_setting(
    const std::vector<source_file>& files, const std::string& key, const std::string& value);

/// Reads the files from disk (a missing or unreadable file is an error) and loads them.
load_result load_paths(const std::vector<std::string>& paths);

/// The plan named `name` among the loaded ones ("" = the only one), or why there is none
/// ("the files hold several plans; name one (a, b, …)").
std::variant<const plan*, std::string> choose_plan(const load_result& loaded,
                                                   std::string_view name);

}  // namespace floodgate::config
