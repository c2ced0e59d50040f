#pragma once
// MQTT 5 brokers may send one copy of a message per matching subscription.
// Each SUBSCRIBE carries an identifier; a copy is kept only when it carries
// the lowest identifier among our filters that match its topic. Each filter
// keeps its identifier for the life of the client (new filters get new ones),
// so copies already on their way stay recognisable after a change.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/subscription.hpp"
#include "routing/topic_trie.hpp"

namespace edgebridge {

class SubscriptionIds {
 public:
  std::uint32_t id_of(const std::string& filter);
  // The filters subscribed now (copies matched only by others are extra).
  void set_filters(const std::vector<Subscription>& subscriptions);
  // `ids`: the Subscription Identifiers the copy carries. True when this copy
  // is one more of a message that another copy brings (drop it).
  bool is_extra_copy(const std::string& topic, const std::vector<std::uint32_t>& ids) const;

 private:
  std::map<std::string, std::uint32_t> ids_;
  std::uint32_t next_ = 1;
  std::unique_ptr<TopicTrie<std::uint32_t>> trie_;
};

}  // namespace edgebridge
