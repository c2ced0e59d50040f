#include "mqtt/subscription_ids.hpp"

#include <algorithm>

namespace edgebridge {

std::uint32_t SubscriptionIds::id_of(const std::string& filter) {
  auto [it, added] = ids_.emplace(filter, next_);
  if (added) ++next_;
  return it->second;
}

void SubscriptionIds::set_filters(const std::vector<Subscription>& subscriptions) {
  auto trie = std::make_unique<TopicTrie<std::uint32_t>>();
  for (const auto& s : subscriptions) trie->insert(s.filter, id_of(s.filter));
  trie_ = std::move(trie);
}

bool SubscriptionIds::is_extra_copy(const std::string& topic, const std::vector<std::uint32_t>& ids) const {
  if (ids.empty() || !trie_) return false;
  std::uint32_t primary = 0;
  trie_->match(topic, [&primary](std::uint32_t id) {
    if (primary == 0 || id < primary) primary = id;
  });
  if (primary == 0) return false;
  return std::find(ids.begin(), ids.end(), primary) == ids.end();
}

}  // namespace edgebridge
