#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "routing/topic_trie.hpp"

using namespace edgebridge;

namespace {

std::vector<int> matches_of(const TopicTrie<int>& trie, const std::string& topic) {
  std::vector<int> out;
  trie.match(topic, [&](int v) { out.push_back(v); });
  std::sort(out.begin(), out.end());
  return out;
}

bool trie_with_one_filter_matches(const std::string& filter, const std::string& topic) {
  TopicTrie<int> trie;
  trie.insert(filter, 1);
  return !matches_of(trie, topic).empty();
}

struct MatchCase {
  const char* filter;
  const char* topic;
  bool matches;
};

// MQTT 3.1.1 §4.7 examples, plus the edges the gateway meets in practice.
const MatchCase kMatchCases[] = {
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/tennis/player1/#", "sport/tennis/player2", false},
    {"sport/#", "sport", true},
    {"#", "sport/tennis", true},
    {"#", "/", true},
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"+", "finance", true},
    {"+", "finance/stock", false},
    {"+", "/finance", false},
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+/#", "finance", true},
    {"a//b", "a//b", true},
    {"a/+/b", "a//b", true},
    {"a/b", "a//b", false},
    {"a/b", "a/b/", false},
    {"a/b/", "a/b/", true},
    {"a/b/#", "a/b/", true},
    {"a/b", "A/b", false},
    // The '$' rule: wildcards in the first level never match '$' topics.
    {"#", "$SYS/broker/uptime", false},
    {"+/broker/uptime", "$SYS/broker/uptime", false},
    {"+", "$SYS", false},
    {"$SYS/#", "$SYS/broker/uptime", true},
    {"$SYS/+/uptime", "$SYS/broker/uptime", true},
    {"$aws/things/+/shadow/update", "$aws/things/gw1/shadow/update", true},
    {"a/#", "a/$b", true},  // only the first level is special
    {"a/+", "a/$b", true},
};

}  // namespace

TEST_CASE("split_topic keeps empty levels, leading and trailing", "[topic_trie]") {
  CHECK(split_topic("a/b/c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(split_topic("a//b") == std::vector<std::string>{"a", "", "b"});
  CHECK(split_topic("/a") == std::vector<std::string>{"", "a"});
  CHECK(split_topic("a/") == std::vector<std::string>{"a", ""});
  CHECK(split_topic("/") == std::vector<std::string>{"", ""});
  CHECK(split_topic("a") == std::vector<std::string>{"a"});
}

TEST_CASE("filters match topics as the MQTT specification's examples say", "[topic_trie]") {
  for (const auto& c : kMatchCases) {
    INFO("filter \"" << c.filter << "\" topic \"" << c.topic << "\"");
    CHECK(topic_matches(c.filter, c.topic) == c.matches);
    CHECK(trie_with_one_filter_matches(c.filter, c.topic) == c.matches);
  }
}

TEST_CASE("a trie visits every matching value once and no other", "[topic_trie]") {
  TopicTrie<int> trie;
  trie.insert("site/+/temperature", 1);
  trie.insert("site/#", 2);
  trie.insert("site/room1/temperature", 3);
  trie.insert("#", 4);
  trie.insert("site/room1/+", 5);
  trie.insert("+/+/+", 6);
  trie.insert("site/room2/temperature", 7);
  trie.insert("site/+/humidity", 8);
  CHECK(trie.size() == 8);

  CHECK(matches_of(trie, "site/room1/temperature") == std::vector<int>{1, 2, 3, 4, 5, 6});
  CHECK(matches_of(trie, "site/room2/temperature") == std::vector<int>{1, 2, 4, 6, 7});
  CHECK(matches_of(trie, "site") == std::vector<int>{2, 4});
  CHECK(matches_of(trie, "other/room1/temperature") == std::vector<int>{4, 6});
  CHECK(matches_of(trie, "$SYS/room1/temperature").empty());
}

TEST_CASE("values stored under the same filter are all visited", "[topic_trie]") {
  TopicTrie<int> trie;
  trie.insert("cmd/#", 1);
  trie.insert("cmd/#", 2);
  trie.insert("cmd/shade", 3);
  trie.insert("cmd/shade", 4);
  CHECK(matches_of(trie, "cmd/shade") == std::vector<int>{1, 2, 3, 4});
  CHECK(matches_of(trie, "cmd") == std::vector<int>{1, 2});
}

TEST_CASE("an empty trie matches nothing", "[topic_trie]") {
  TopicTrie<int> trie;
  CHECK(trie.empty());
  CHECK(matches_of(trie, "a/b").empty());
}

namespace {

// Levels drawn from a small alphabet so random filters and topics collide often.
const char* const kLevels[] = {"a", "b", "c", "", "$s"};

std::string random_topic(std::mt19937& rng) {
  std::uniform_int_distribution<int> depth(1, 5);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(kLevels) - 1);
  std::string topic;
  const int n = depth(rng);
  for (int i = 0; i < n; ++i) {
    if (i > 0) topic += '/';
    topic += kLevels[pick(rng)];
  }
  return topic;
}

std::string random_filter(std::mt19937& rng) {
  std::uniform_int_distribution<int> depth(1, 5);
  std::uniform_int_distribution<int> kind(0, 9);  // 0-2: "+", 3: "#" (last level only), else literal
  std::uniform_int_distribution<std::size_t> pick(0, std::size(kLevels) - 1);
  std::string filter;
  const int n = depth(rng);
  for (int i = 0; i < n; ++i) {
    if (i > 0) filter += '/';
    const int k = kind(rng);
    if (k <= 2) {
      filter += '+';
    } else if (k == 3) {
      filter += '#';
      break;
    } else {
      filter += kLevels[pick(rng)];
    }
  }
  return filter;
}

}  // namespace

TEST_CASE("the trie agrees with the reference matcher on random filters and topics", "[topic_trie]") {
  std::mt19937 rng(20240611);  // fixed seed: a failure reproduces
  std::vector<std::string> filters;
  TopicTrie<int> trie;
  for (int i = 0; i < 2000; ++i) {
    filters.push_back(random_filter(rng));
    trie.insert(filters.back(), i);
  }
  std::size_t total_matches = 0;
  for (int t = 0; t < 2000; ++t) {
    const std::string topic = random_topic(rng);
    std::vector<int> expected;
    for (int i = 0; i < static_cast<int>(filters.size()); ++i)
      if (topic_matches(filters[static_cast<std::size_t>(i)], topic)) expected.push_back(i);
    const auto got = matches_of(trie, topic);
    INFO("topic \"" << topic << "\"");
    REQUIRE(got == expected);
    total_matches += got.size();
  }
  // The alphabet is small enough that the comparison is not vacuous.
  CHECK(total_matches > 10'000);
}
