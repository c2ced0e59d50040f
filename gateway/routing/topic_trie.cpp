#include "routing/topic_trie.hpp"

namespace edgebridge {

std::vector<std::string> split_topic(std::string_view topic) {
  std::vector<std::string> levels;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = topic.find('/', start);
    if (end == std::string_view::npos) {
      levels.emplace_back(topic.substr(start));
      return levels;
    }
    levels.emplace_back(topic.substr(start, end - start));
    start = end + 1;
  }
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  const auto f = split_topic(filter);
  const auto t = split_topic(topic);
  if (!topic.empty() && topic.front() == '$' && (f.front() == "+" || f.front() == "#")) return false;
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // the rest of the topic, possibly nothing
    if (i == t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

}  // namespace edgebridge
