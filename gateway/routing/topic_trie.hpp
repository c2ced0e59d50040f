#pragma once
// A trie of MQTT topic filters, one node per level. match() walks the topic's
// levels once and follows only the branches that can match (the literal level,
// "+" and "#"), so its cost grows with the topic depth and the number of
// matching filters, not with the number of filters stored.
//
// MQTT 3.1.1 §4.7 rules kept here:
//  - "+" matches exactly one level, which may be empty ("+/+" matches "/x");
//  - "#" matches the remaining levels including none ("a/#" matches "a");
//  - a filter whose first level is a wildcard never matches a topic whose first
//    level starts with '$' ("#" does not match "$SYS/uptime").
// Filters are assumed valid (see topic_filter_problem); the trie does
// not check them. Built once, then read-only: match() is safe from many threads.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace edgebridge {

// "a//b" → {"a", "", "b"}; "/x" → {"", "x"}; "" → {""}.
std::vector<std::string> split_topic(std::string_view topic);

// Reference implementation of filter matching, level by level. The trie is
// cross-checked against it in the tests; the data path uses the trie.
bool topic_matches(std::string_view filter, std::string_view topic);

template <typename Value>
class TopicTrie {
 public:
  void insert(std::string_view filter, Value value);

  // Calls visit(const Value&) once for every value whose filter matches
  // `topic`. The order of the calls is unspecified.
  template <typename Visitor>
  void match(std::string_view topic, Visitor&& visit) const;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Node {
    // Keys view the child's own `level`, so lookups by string_view need no copy.
    std::unordered_map<std::string_view, std::unique_ptr<Node>> children;
    std::unique_ptr<Node> plus;       // the "+" child
    std::vector<Value> values;        // filters that end at this node
    std::vector<Value> hash_values;   // filters that end with "#" below this node
    std::string level;
  };

  template <typename Visitor>
  static void match_from(const Node& node, std::string_view topic, std::size_t level_start,
                         bool first_level_is_dollar, Visitor& visit);

  Node root_;
  std::size_t size_ = 0;
};

template <typename Value>
void TopicTrie<Value>::insert(std::string_view filter, Value value) {
  Node* node = &root_;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = filter.find('/', start);
    const std::string_view level = filter.substr(start, end == std::string_view::npos ? end : end - start);
    if (level == "#") {
      node->hash_values.push_back(std::move(value));
      ++size_;
      return;
    }
    if (level == "+") {
      if (!node->plus) node->plus = std::make_unique<Node>();
      node = node->plus.get();
    } else {
      auto found = node->children.find(level);
      if (found == node->children.end()) {
        auto child = std::make_unique<Node>();
        child->level = std::string(level);
        const std::string_view key = child->level;
        found = node->children.emplace(key, std::move(child)).first;
      }
      node = found->second.get();
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  node->values.push_back(std::move(value));
  ++size_;
}

template <typename Value>
template <typename Visitor>
void TopicTrie<Value>::match(std::string_view topic, Visitor&& visit) const {
  const bool dollar = !topic.empty() && topic.front() == '$';
  match_from(root_, topic, 0, dollar, visit);
}

// `level_start` is where the next unmatched level begins, or npos when every
// level of the topic has been matched.
template <typename Value>
template <typename Visitor>
void TopicTrie<Value>::match_from(const Node& node, std::string_view topic, std::size_t level_start,
                                  bool first_level_is_dollar, Visitor& visit) {
  const bool at_root = level_start == 0;
  const bool wildcards_allowed = !(at_root && first_level_is_dollar);
  if (wildcards_allowed)
    for (const auto& v : node.hash_values) visit(v);
  if (level_start == std::string_view::npos) {
    for (const auto& v : node.values) visit(v);
    return;
  }
  const std::size_t end = topic.find('/', level_start);
  const std::string_view level =
      topic.substr(level_start, end == std::string_view::npos ? end : end - level_start);
  const std::size_t next = end == std::string_view::npos ? end : end + 1;
  if (auto found = node.children.find(level); found != node.children.end())
    match_from(*found->second, topic, next, first_level_is_dollar, visit);
  if (node.plus && wildcards_allowed) match_from(*node.plus, topic, next, first_level_is_dollar, visit);
}

}  // namespace edgebridge
