#pragma once
// The normalised plan as `floodgate check` prints it: a short text summary, or a JSON document
// (every default filled in) that --output json and --output yaml write.

#include <nlohmann/json.hpp>
#include <string>

#include <floodgate/config/load.hpp>

namespace floodgate::config {

/// A few lines per plan: name, origin, strategy, steps and metrics with their providers.
std::string summarize(const plan& p);

nlohmann::json to_json(const plan& p);

/// The outcome of a check, as text: plans, templates, skipped documents and (unless the caller
/// reports them elsewhere) errors.
std::string summarize(const load_result& r, bool with_errors = true);

/// The outcome of a check as one document: {"plans", "templates", "skipped", "errors"}.
nlohmann::json to_json(const load_result& r);

/// A JSON document written as block-style YAML.
std::string to_yaml_text(const nlohmann::json& j);

}  // namespace floodgate::config
