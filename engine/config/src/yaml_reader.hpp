#pragma once
// Schema-checked reading of a YAML/JSON document: every error carries the file, line, column and
// JSON pointer; unknown keys are reported with a did-you-mean suggestion. Internal to config.

#include <cstdint>
#include <floodgate/config/load.hpp>
#include <floodgate/core/duration.hpp>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "yaml_tree.hpp"

namespace YAML {
class Exception;
}

namespace floodgate::config::detail {

/// A YAML syntax error (yaml-cpp's exception) as a diagnostic of `file` at its mark, the
/// message after `what` ("not valid YAML").
diagnostic syntax_error(const std::string& file, const YAML::Exception& e, std::string_view what);

/// One YAML or JSON document's tree, or its syntax error as a diagnostic ("not valid YAML or
/// JSON"): the start of reading a single-document file (a scenario, a --map).
std::variant<std::shared_ptr<const yaml_tree>, diagnostic> parse_document(const source_file& file);

/// What a node is, for "found …" messages: "a map", "a list", "nothing" or the quoted scalar.
std::string kind_of(const yaml_node& n);

/// "/spec/metrics/0" + "count" → "/spec/metrics/0/count" (RFC 6901 escaping).
std::string child(const std::string& pointer, std::string_view key);
std::string child(const std::string& pointer, std::size_t index);

/// The closest candidate within a small edit distance, or empty.
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

class reader {
 public:
  reader(std::string file, std::vector<diagnostic>& errors)
      : file_(std::move(file)), errors_(errors) {}

  const std::string& file() const { return file_; }
  std::size_t error_count() const { return errors_.size(); }

  void error(const yaml_node& at, const std::string& pointer, std::string message);

  /// Requires a map; reports every key not in `known` (with a suggestion). `allowed_extra` are
  /// keys accepted and ignored (fields of Kubernetes objects floodgate does not interpret).
  bool map(const yaml_node& n, const std::string& pointer,
           const std::vector<std::string_view>& known,
           const std::vector<std::string_view>& allowed_extra = {});
  bool sequence(const yaml_node& n, const std::string& pointer);

  std::optional<std::string> string(const yaml_node& parent, const std::string& pointer,
                                    std::string_view key, bool required = false);
  std::optional<std::int64_t> integer(const yaml_node& parent, const std::string& pointer,
                                      std::string_view key);
  /// The same readings of a text already taken from the node `at` (after rendering, say).
  std::optional<std::int64_t> integer_of(const std::string& text, const yaml_node& at,
                                         const std::string& pointer);
  std::optional<core::millis> duration_of(const std::string& text, const yaml_node& at,
                                          const std::string& pointer, bool int_seconds = false);
  std::optional<double> number(const yaml_node& parent, const std::string& pointer,
                               std::string_view key);
  std::optional<bool> boolean(const yaml_node& parent, const std::string& pointer,
                              std::string_view key);
  /// A Go duration ("30s", "5m"); `int_seconds` also accepts a bare integer of seconds (Argo's
  /// pause duration and the *Seconds fields).
  std::optional<core::millis> duration(const yaml_node& parent, const std::string& pointer,
                                       std::string_view key, bool int_seconds = false);

 private:
  std::string file_;
  std::vector<diagnostic>& errors_;
};

/// The child at `key`, or an undefined node when `n` is not a map or has no such key.
inline yaml_node at(const yaml_node& n, std::string_view key) { return n.get(key); }

/// A YAML node as JSON (keys in document order): plain scalars that read as null, booleans,
/// integers or floats (YAML 1.2's core schema) become those; quoted scalars stay strings.
nlohmann::ordered_json yaml_to_json(const yaml_node& n);

/// Where a node starts, 1-based.
int line_of(const yaml_node& n);

}  // namespace floodgate::config::detail
