#pragma once
// A YAML document as a compact read-only tree, built from yaml-cpp's parser events. yaml-cpp's own
// node tree (YAML::Load) costs three heap objects and a shared_ptr per node and looks keys up by
// converting each one; loading a plan reads every map key by key, so floodgate keeps its own tree:
// one vector of nodes, one vector of child indices, keys compared as strings. Internal to config.

#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace floodgate::config::detail {

class yaml_tree;

/// A handle on one node of a yaml_tree (or an undefined node: a key that is not there). Cheap to
/// copy; valid while its tree lives.
class yaml_node {
 public:
  yaml_node() = default;

  bool defined() const { return tree_ != nullptr; }
  bool is_null() const;
  bool is_scalar() const;
  bool is_sequence() const;
  bool is_map() const;
  /// A scalar's text; empty for anything else.
  const std::string& scalar() const;
  /// yaml-cpp's tag: "?" for a plain scalar, "!" for a quoted one, else the explicit tag.
  const std::string& tag() const;
  /// Where the node starts, 0-based; -1 when undefined.
  int line() const;
  int column() const;
  /// The number of items of a sequence or pairs of a map; 0 for anything else.
  std::size_t size() const;
  /// The i-th item of a sequence (undefined if out of range or not a sequence).
  yaml_node operator[](std::size_t i) const;
  /// The value of the first pair whose key is the scalar `key` (undefined if none or not a map).
  yaml_node get(std::string_view key) const;

  /// Iteration yields items of a sequence (the entry itself) or pairs of a map (first, second).
  struct entry;
  class iterator;
  iterator begin() const;
  iterator end() const;

 private:
  friend class yaml_tree;
  yaml_node(const yaml_tree* tree, std::uint32_t index) : tree_(tree), index_(index) {}
  const yaml_tree* tree_ = nullptr;
  std::uint32_t index_ = 0;
};

struct yaml_node::entry : yaml_node {
  yaml_node first;   ///< a map pair's key
  yaml_node second;  ///< a map pair's value
};

class yaml_node::iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = entry;
  using difference_type = std::ptrdiff_t;
  using pointer = const entry*;
  using reference = const entry&;

  const entry& operator*() const { return current_; }
  const entry* operator->() const { return &current_; }
  iterator& operator++() {
    ++position_;
    load();
    return *this;
  }
  bool operator==(const iterator& o) const { return position_ == o.position_; }

 private:
  friend class yaml_node;
  iterator(yaml_node parent, std::size_t position) : parent_(parent), position_(position) {
    load();
  }
  void load();
  yaml_node parent_;
  std::size_t position_ = 0;
  entry current_;
};

/// One parsed document.
class yaml_tree {
 public:
  /// Parses the first document of `text` (as YAML::Load does); an empty text is a null document.
  /// Throws YAML::Exception (with its mark) on invalid YAML, and on an alias inside the node it
  /// names (a cycle).
  static std::shared_ptr<const yaml_tree> parse(const std::string& text);

  yaml_node root() const;

 private:
  friend class yaml_node;
  friend class tree_builder;
  enum class kind : std::uint8_t { null, scalar, sequence, map };
  struct item {
    kind type = kind::null;
    int line = -1;
    int column = -1;
    std::uint32_t first = 0;  ///< children in kids_[first, first + count); a map's are key, value
    std::uint32_t count = 0;
    std::string text;
    std::string tag;
  };
  std::vector<item> items_;
  std::vector<std::uint32_t> kids_;
  std::uint32_t root_ = 0;
  bool empty_ = true;
};

}  // namespace floodgate::config::detail
