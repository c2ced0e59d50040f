#include "rules/subscription_merge.hpp"

#include <algorithm>

#include "routing/topic_trie.hpp"

namespace edgebridge {

bool filter_covers(std::string_view outer, std::string_view inner) {
  const auto o = split_topic(outer);
  const auto in = split_topic(inner);
  // A filter starting with a wildcard never matches topics starting with '$'.
  const bool inner_dollar = !in.empty() && !in[0].empty() && in[0][0] == '$';
  for (std::size_t i = 0; i < o.size(); ++i) {
    const bool first = i == 0;
    if (o[i] == "#") return !(first && inner_dollar);
    if (i >= in.size()) return false;
    if (in[i] == "#") return false;
    if (o[i] == "+") {
      if (first && inner_dollar) return false;
      continue;
    }
    if (o[i] != in[i]) return false;
  }
  return o.size() == in.size();
}

std::vector<Subscription> merge_subscriptions(const std::vector<Subscription>& subscriptions) {
  std::vector<Subscription> out;
  for (const auto& s : subscriptions) {
    bool covered = false;
    for (auto& kept : out) {
      if (filter_covers(kept.filter, s.filter)) {
        kept.qos = std::max(kept.qos, s.qos);
        covered = true;
        break;
      }
    }
    if (covered) continue;
    // The new filter may cover some already kept: it takes the first one's place.
    Subscription merged = s;
    auto first = out.end();
    for (auto it = out.begin(); it != out.end();) {
      if (filter_covers(s.filter, it->filter)) {
        merged.qos = std::max(merged.qos, it->qos);
        if (first == out.end()) {
          first = it;
          ++it;
        } else {
          it = out.erase(it);
        }
      } else {
        ++it;
      }
    }
    if (first != out.end())
      *first = merged;
    else
      out.push_back(merged);
  }
  return out;
}

}  // namespace edgebridge
