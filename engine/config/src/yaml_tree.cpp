#include "yaml_tree.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <sstream>

namespace floodgate::config::detail {

namespace {
const std::string no_text;
}  // namespace

// Containers get their children when they end: the children pending for every open container
// sit on one stack, so building allocates nothing per container beyond the two vectors' growth.
class tree_builder : public YAML::EventHandler {
 public:
  explicit tree_builder(yaml_tree& t) : t_(t) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    complete(add(yaml_tree::kind::null, mark, no_text), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size() || anchors_[anchor] == open) {
      throw YAML::ParserException(mark, "an alias refers to the node that contains it");
    }
    child(anchors_[anchor]);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const auto i = add(yaml_tree::kind::scalar, mark, tag);
    t_.items_[i].text = value;
    complete(i, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    start(yaml_tree::kind::sequence, mark, tag, anchor);
  }
  void OnSequenceEnd() override { end(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    start(yaml_tree::kind::map, mark, tag, anchor);
  }
  void OnMapEnd() override { end(); }

 private:
  static constexpr std::uint32_t open = 0xffffffffU;

  std::uint32_t add(yaml_tree::kind type, const YAML::Mark& mark, const std::string& tag) {
    auto& it = t_.items_.emplace_back();
    it.type = type;
    it.line = mark.line;
    it.column = mark.column;
    it.tag = tag;
    return static_cast<std::uint32_t>(t_.items_.size() - 1);
  }
  void anchor_as(YAML::anchor_t anchor, std::uint32_t index) {
    if (anchor == YAML::NullAnchor) return;
    if (anchors_.size() <= anchor) anchors_.resize(anchor + 1, open);
    anchors_[anchor] = index;
  }
  void child(std::uint32_t index) {
    if (open_.empty()) {
      t_.root_ = index;
      t_.empty_ = false;
    } else {
      pending_.push_back(index);
    }
  }
  void complete(std::uint32_t index, YAML::anchor_t anchor) {
    anchor_as(anchor, index);
    child(index);
  }
  void start(yaml_tree::kind type, const YAML::Mark& mark, const std::string& tag,
             YAML::anchor_t anchor) {
    const auto i = add(type, mark, tag);
    if (anchor != YAML::NullAnchor) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1, open);
      anchors_[anchor] = open;  // an alias to it before it ends would make a cycle
    }
    open_.push_back({i, pending_.size(), anchor});
  }
  void end() {
    const auto o = open_.back();
    open_.pop_back();
    auto& it = t_.items_[o.index];
    it.first = static_cast<std::uint32_t>(t_.kids_.size());
    it.count = static_cast<std::uint32_t>(pending_.size() - o.pending);
    t_.kids_.insert(t_.kids_.end(), pending_.begin() + static_cast<std::ptrdiff_t>(o.pending),
                    pending_.end());
    pending_.resize(o.pending);
    complete(o.index, o.anchor);
  }

  struct container {
    std::uint32_t index;
    std::size_t pending;
    YAML::anchor_t anchor;
  };
  yaml_tree& t_;
  std::vector<container> open_;
  std::vector<std::uint32_t> pending_;
  std::vector<std::uint32_t> anchors_;
};

std::shared_ptr<const yaml_tree> yaml_tree::parse(const std::string& text) {
  auto t = std::make_shared<yaml_tree>();
  t->items_.reserve(text.size() / 16);
  t->kids_.reserve(text.size() / 16);
  std::istringstream in(text);
  YAML::Parser parser(in);
  tree_builder b(*t);
  parser.HandleNextDocument(b);
  if (t->empty_) {
    t->items_.emplace_back();
    t->root_ = static_cast<std::uint32_t>(t->items_.size() - 1);
  }
  return t;
}

yaml_node yaml_tree::root() const { return {this, root_}; }

bool yaml_node::is_null() const {
  return tree_ != nullptr && tree_->items_[index_].type == yaml_tree::kind::null;
}
bool yaml_node::is_scalar() const {
  return tree_ != nullptr && tree_->items_[index_].type == yaml_tree::kind::scalar;
}
bool yaml_node::is_sequence() const {
  return tree_ != nullptr && tree_->items_[index_].type == yaml_tree::kind::sequence;
}
bool yaml_node::is_map() const {
  return tree_ != nullptr && tree_->items_[index_].type == yaml_tree::kind::map;
}
const std::string& yaml_node::scalar() const {
  return tree_ != nullptr ? tree_->items_[index_].text : no_text;
}
const std::string& yaml_node::tag() const {
  return tree_ != nullptr ? tree_->items_[index_].tag : no_text;
}
int yaml_node::line() const { return tree_ != nullptr ? tree_->items_[index_].line : -1; }
int yaml_node::column() const { return tree_ != nullptr ? tree_->items_[index_].column : -1; }

std::size_t yaml_node::size() const {
  if (is_sequence()) return tree_->items_[index_].count;
  if (is_map()) return tree_->items_[index_].count / 2;
  return 0;
}

yaml_node yaml_node::operator[](std::size_t i) const {
  if (!is_sequence() || i >= size()) return {};
  return {tree_, tree_->kids_[tree_->items_[index_].first + i]};
}

yaml_node yaml_node::get(std::string_view key) const {
  if (!is_map()) return {};
  const auto& it = tree_->items_[index_];
  for (std::uint32_t k = it.first; k + 1 < it.first + it.count; k += 2) {
    const auto& key_item = tree_->items_[tree_->kids_[k]];
    if (key_item.type == yaml_tree::kind::scalar && key_item.text == key) {
      return {tree_, tree_->kids_[k + 1]};
    }
  }
  return {};
}

yaml_node::iterator yaml_node::begin() const { return {*this, 0}; }
yaml_node::iterator yaml_node::end() const { return {*this, size()}; }

void yaml_node::iterator::load() {
  if (position_ >= parent_.size()) return;
  const auto& t = *parent_.tree_;
  const auto first = t.items_[parent_.index_].first;
  if (parent_.is_map()) {
    current_.first = {parent_.tree_, t.kids_[first + 2 * position_]};
    current_.second = {parent_.tree_, t.kids_[first + 2 * position_ + 1]};
  } else {
    static_cast<yaml_node&>(current_) = {parent_.tree_, t.kids_[first + position_]};
  }
}

}  // namespace floodgate::config::detail
