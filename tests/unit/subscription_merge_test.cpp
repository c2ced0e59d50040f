// Rule FROM filters join the local subscriptions without overlapping them:
// Mosquitto 2 would deliver a message once per matching subscription, and the
// gateway would send it to the cloud twice.
#include <catch2/catch.hpp>

#include "rules/subscription_merge.hpp"

using namespace edgebridge;

TEST_CASE("a filter covers the filters whose topics it all matches", "[rules][subscriptions]") {
  struct Case {
    const char* outer;
    const char* inner;
    bool covers;
  };
  const Case cases[] = {
      {"sensors/#", "sensors/greenhouse/lux1", true},
      {"sensors/#", "sensors/+/lux1", true},
      {"sensors/#", "sensors", true},  // "a/#" matches "a"
      {"sensors/#", "sensors/#", true},
      {"sensors/+/lux1", "sensors/greenhouse/lux1", true},
      {"sensors/+/lux1", "sensors/#", false},
      {"sensors/greenhouse/lux1", "sensors/+/lux1", false},
      {"#", "anything/at/all", true},
      {"#", "$SYS/broker/uptime", false},  // a leading wildcard never matches $ topics
      {"+/broker/uptime", "$SYS/broker/uptime", false},
      {"$SYS/#", "$SYS/broker/uptime", true},
      {"+/+", "a/b/c", false},
      {"a/+", "a", false},
      {"a//b", "a/+/b", false},
      {"a/+/b", "a//b", true},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.outer << " covers " << c.inner) { CHECK(filter_covers(c.outer, c.inner) == c.covers); }
  }
}

TEST_CASE("merging keeps the widest filters at the highest QoS, in first-seen order", "[rules][subscriptions]") {
  auto merged = merge_subscriptions({{"sensors/#", 0},
                                     {"cmd/#", 1},
                                     {"sensors/greenhouse/lux1", 1},  // a rule's FROM inside a mapping
                                     {"cmd/#", 0},
                                     {"$SYS/broker/load", 0}});
  CHECK(merged == std::vector<Subscription>{{"sensors/#", 1}, {"cmd/#", 1}, {"$SYS/broker/load", 0}});
}

TEST_CASE("a rule filter wider than several mappings replaces them all", "[rules][subscriptions]") {
  auto merged = merge_subscriptions({{"a/x", 0}, {"b/#", 1}, {"a/y", 1}, {"a/#", 0}});
  CHECK(merged == std::vector<Subscription>{{"a/#", 1}, {"b/#", 1}});
}
