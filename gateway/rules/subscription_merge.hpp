#pragma once
// Rules add their FROM filters to what the gateway subscribes to on the local
// broker. Mosquitto 2 delivers a message once per matching subscription, so
// overlapping filters ("sensors/#" for a mapping, "sensors/lux1" for a rule)
// would bring the same message in twice and send it to the cloud twice.
// Merging keeps only filters no other filter covers, at the highest QoS of
// the ones each replaces.

#include <string_view>
#include <vector>

#include "routing/router.hpp"

namespace edgebridge {

// True when every topic `inner` matches is also matched by `outer`
// ("a/#" covers "a/+/b" and "a"; "#" does not cover "$SYS/x" filters).
bool filter_covers(std::string_view outer, std::string_view inner);

// The smallest list covering the same topics, in first-seen order.
std::vector<Subscription> merge_subscriptions(const std::vector<Subscription>& subscriptions);

}  // namespace edgebridge
