#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "routing/router.hpp"

using namespace edgebridge;

namespace {

TopicMapping mapping(std::string pattern, Direction direction, std::string local_prefix = "",
                     std::string remote_prefix = "", std::vector<std::string> remotes = {"cloud"},
                     int qos = 1) {
  static std::size_t next_index = 0;
  TopicMapping m;
  m.pattern = std::move(pattern);
  m.direction = direction;
  m.local_prefix = std::move(local_prefix);
  m.remote_prefix = std::move(remote_prefix);
  m.remotes = std::move(remotes);
  m.qos = qos;
  m.index = next_index++;
  return m;
}

DeviceConfig device(std::string name, std::vector<std::string> command_filters) {
  DeviceConfig d;
  d.name = std::move(name);
  d.type = "ir_tcp";
  d.command_filters = std::move(command_filters);
  return d;
}

Message message(std::string topic, int qos = 1, bool retain = false) {
  Message m;
  m.topic = std::move(topic);
  m.payload = "21.5";
  m.qos = qos;
  m.retain = retain;
  return m;
}

// "local", "remote:ops=site1/x", "device:shade=cmd/shade": what a user would read in a log.
std::vector<std::string> summary(const std::vector<Route>& routes) {
  std::vector<std::string> out;
  for (const auto& r : routes) {
    std::string line = to_string(r.target);
    if (!r.name.empty()) line += ":" + r.name;
    out.push_back(line + "=" + r.message.topic);
  }
  return out;
}

std::optional<Route> route_to(const std::vector<Route>& routes, TargetKind target, const std::string& name) {
  for (const auto& r : routes)
    if (r.target == target && r.name == name) return r;
  return std::nullopt;
}

using Lines = std::vector<std::string>;

}  // namespace

// ---------------------------------------------------------------------------
// Remapping table, in the manner of Mosquitto's bridge_topic_test.c: one
// mapping to the remote "cloud"; a topic arrives on one side; the row says what
// topic it gets on the other side, or that the mapping does not carry it.

namespace {

enum class Side { local, remote };  // where the topic arrives

struct RemapRow {
  const char* pattern;
  Direction direction;
  const char* local_prefix;
  const char* remote_prefix;
  Side arrives_on;
  const char* topic;
  const char* expected;  // nullptr: no match
};

constexpr auto in = Direction::in;
constexpr auto out = Direction::out;
constexpr auto both = Direction::both;
constexpr auto L = Side::local;
constexpr auto R = Side::remote;
constexpr const char* no_match = nullptr;

const RemapRow kRemapTable[] = {
    // pattern         dir   local_prefix remote_prefix  side  incoming topic                  → mapped topic
    // The man page's examples.
    {"pattern",        in,   "L/",        "R/",          R,    "R/pattern",                    "L/pattern"},
    {"pattern",        in,   "L/",        "",            R,    "pattern",                      "L/pattern"},
    {"pattern",        in,   "",          "R/",          R,    "R/pattern",                    "pattern"},
    {"pattern",        in,   "",          "",            R,    "pattern",                      "pattern"},
    {"",               in,   "local",     "remote",      R,    "remote",                       "local"},
    {"",               out,  "local",     "remote",      L,    "local",                        "remote"},
    {"",               both, "local",     "remote",      L,    "local/x",                      no_match},
    {"",               both, "local",     "remote",      R,    "remote",                       "local"},
    // Prefixes on the way out.
    {"sensors/#",      out,  "",          "site1/",      L,    "sensors/greenhouse/lux1",      "site1/sensors/greenhouse/lux1"},
    {"sensors/#",      out,  "",          "site1/",      L,    "sensors",                      "site1/sensors"},
    {"sensors/#",      out,  "",          "site1/",      L,    "sensorsX/a",                   no_match},
    {"sensors/#",      out,  "",          "site1/",      R,    "site1/sensors/a",              no_match},
    {"#",              out,  "gw/",       "cloud/site1/",L,    "gw/a/b",                       "cloud/site1/a/b"},
    {"#",              out,  "gw/",       "cloud/site1/",L,    "gw",                           "cloud/site1"},
    {"#",              out,  "gw/",       "cloud/site1/",L,    "other/a",                      no_match},
    {"temp",           out,  "dev-",      "cloud-",      L,    "dev-temp",                     "cloud-temp"},
    {"/+",             out,  "",          "r",           L,    "/x",                           "r/x"},
    // Prefixes on the way in.
    {"#",              in,   "L/",        "R/",          R,    "R/x/y",                        "L/x/y"},
    {"#",              in,   "L/",        "R/",          R,    "R",                            "L"},
    {"#",              in,   "",          "cloud/",      R,    "cloud",                        no_match},
    {"#",              in,   "",          "cloud/",      R,    "cloud/cmd/shade",              "cmd/shade"},
    {"cmd/#",          in,   "",          "",            R,    "cmd/shade",                    "cmd/shade"},
    {"cmd/#",          in,   "",          "",            L,    "cmd/shade",                    no_match},
    // Wildcards, both directions, empty levels.
    {"+/temperature",  both, "local/",    "remote/",     L,    "local/room1/temperature",      "remote/room1/temperature"},
    {"+/temperature",  both, "local/",    "remote/",     R,    "remote/room1/temperature",     "local/room1/temperature"},
    {"+/temperature",  both, "local/",    "remote/",     L,    "local/room1/humidity",         no_match},
    {"+/temperature",  both, "local/",    "remote/",     R,    "local/room1/temperature",      no_match},
    {"+/temperature",  both, "local/",    "remote/",     L,    "local//temperature",           "remote//temperature"},
    {"a/+/c",          both, "",          "",            L,    "a/b/c/d",                      no_match},
    {"a/+/c",          both, "",          "",            L,    "a/b/c",                        "a/b/c"},
    // '$' topics: a leading wildcard never matches them; a literal '$' level does.
    {"#",              out,  "",          "gw1/",        L,    "$SYS/broker/uptime",           no_match},
    {"+/uptime",       out,  "",          "gw1/",        L,    "$SYS/uptime",                  no_match},
    {"$SYS/#",         out,  "",          "gw1/",        L,    "$SYS/broker/uptime",           "gw1/$SYS/broker/uptime"},
    {"#",              in,   "shadow/",   "$aws/things/gw1/shadow/", R, "$aws/things/gw1/shadow/update/delta", "shadow/update/delta"},
    {"#",              in,   "",          "",            R,    "$aws/things/gw1/shadow/update",no_match},
};

}  // namespace

TEST_CASE("topics are remapped across a mapping as Mosquitto's bridge does", "[router]") {
  for (const auto& row : kRemapTable) {
    const Router router({mapping(row.pattern, row.direction, row.local_prefix, row.remote_prefix)}, {});
    const bool from_remote = row.arrives_on == Side::remote;
    const auto routes = router.route(from_remote ? Source::remote("cloud") : Source::local(), message(row.topic));
    const auto delivered = from_remote ? route_to(routes, TargetKind::local, "") : route_to(routes, TargetKind::remote, "cloud");

    INFO("pattern \"" << row.pattern << "\" " << to_string(row.direction) << " local_prefix \""
                      << row.local_prefix << "\" remote_prefix \"" << row.remote_prefix << "\": \"" << row.topic
                      << "\" from " << (from_remote ? "the remote" : "the local broker"));
    if (row.expected == no_match) {
      CHECK(routes.empty());
    } else {
      REQUIRE(delivered);
      CHECK(delivered->message.topic == row.expected);
      CHECK(routes.size() == 1);
    }
  }
}

// ---------------------------------------------------------------------------

TEST_CASE("delivered QoS is the lower of the mapping's and the message's", "[router]") {
  const Router router({mapping("qos0/#", out, "", "", {"cloud"}, 0), mapping("qos1/#", out, "", "", {"cloud"}, 1)},
                      {});
  CHECK(router.route(Source::local(), message("qos0/a", 1)).at(0).message.qos == 0);
  CHECK(router.route(Source::local(), message("qos1/a", 0)).at(0).message.qos == 0);
  CHECK(router.route(Source::local(), message("qos1/a", 1)).at(0).message.qos == 1);
}

TEST_CASE("the QoS rule applies on the way in and again on the way out to another remote", "[router]") {
  const Router router({mapping("sync/#", in, "", "", {"ops"}, 0), mapping("sync/#", out, "", "", {"billing"}, 1)},
                      {});
  const auto routes = router.route(Source::remote("ops"), message("sync/a", 1));
  REQUIRE(summary(routes) == Lines{"local=sync/a", "remote:billing=sync/a"});
  CHECK(routes[0].message.qos == 0);
  CHECK(routes[1].message.qos == 0);
}

TEST_CASE("retain flag and payload are kept on every route", "[router]") {
  const Router router({mapping("state/#", both, "", "site1/")}, {device("shade", {"state/shade"})});
  for (const auto& r : router.route(Source::rule("too_bright"), message("state/shade", 1, true))) {
    INFO(to_string(r.target) << " " << r.name);
    CHECK(r.message.retain);
    CHECK(r.message.payload == "21.5");
  }
  CHECK(router.route(Source::remote("cloud"), message("site1/state/x", 1, true)).at(0).message.retain);
  CHECK_FALSE(router.route(Source::local(), message("state/x", 1, false)).at(0).message.retain);
}

TEST_CASE("per remote the first matching mapping in topics order wins", "[router]") {
  SECTION("the specific mapping first") {
    const Router router({mapping("sensors/special", out, "", "vip/"), mapping("sensors/#", out, "", "all/")}, {});
    CHECK(summary(router.route(Source::local(), message("sensors/special"))) == Lines{"remote:cloud=vip/sensors/special"});
    CHECK(summary(router.route(Source::local(), message("sensors/other"))) == Lines{"remote:cloud=all/sensors/other"});
  }
  SECTION("the general mapping first shadows the specific one") {
    const Router router({mapping("sensors/#", out, "", "all/"), mapping("sensors/special", out, "", "vip/")}, {});
    CHECK(summary(router.route(Source::local(), message("sensors/special"))) == Lines{"remote:cloud=all/sensors/special"});
  }
  SECTION("on the way in too") {
    const Router router({mapping("cmd/shade", in, "priority/"), mapping("cmd/#", in, "normal/")}, {});
    CHECK(summary(router.route(Source::remote("cloud"), message("cmd/shade"))) == Lines{"local=priority/cmd/shade"});
    CHECK(summary(router.route(Source::remote("cloud"), message("cmd/fan"))) == Lines{"local=normal/cmd/fan"});
  }
  SECTION("a first mapping for another remote does not take the message away") {
    const Router router({mapping("sensors/#", out, "", "ops/", {"ops"}), mapping("sensors/#", out, "", "bill/", {"billing"})},
                        {});
    CHECK(summary(router.route(Source::local(), message("sensors/a"))) ==
          Lines{"remote:ops=ops/sensors/a", "remote:billing=bill/sensors/a"});
  }
}

TEST_CASE("two remotes each get only their own topics", "[router]") {
  const Router router({mapping("ops/#", both, "", "", {"ops"}), mapping("billing/#", both, "", "", {"billing"})}, {});
  CHECK(summary(router.route(Source::local(), message("ops/x"))) == Lines{"remote:ops=ops/x"});
  CHECK(summary(router.route(Source::local(), message("billing/x"))) == Lines{"remote:billing=billing/x"});
  CHECK(router.route(Source::local(), message("other/x")).empty());
  // A remote cannot inject topics that only the other remote's mappings take in.
  CHECK(router.route(Source::remote("billing"), message("ops/x")).empty());
  CHECK(router.remote_subscriptions("ops") == std::vector<Subscription>{{"ops/#", 1}});
  CHECK(router.remote_subscriptions("billing") == std::vector<Subscription>{{"billing/#", 1}});
}

TEST_CASE("a message never goes back where it came from", "[router]") {
  const Router router({mapping("sync/#", both, "", "", {"ops", "billing"})},
                      {device("shade", {"sync/shade"}), device("fan", {"sync/#"})});
  SECTION("from a remote: local broker, devices and the other remote, not the sender") {
    CHECK(summary(router.route(Source::remote("ops"), message("sync/shade"))) ==
          Lines{"local=sync/shade", "device:shade=sync/shade", "device:fan=sync/shade", "remote:billing=sync/shade"});
  }
  SECTION("from the local broker: not back to the local broker") {
    CHECK(summary(router.route(Source::local(), message("sync/shade"))) ==
          Lines{"device:shade=sync/shade", "device:fan=sync/shade", "remote:ops=sync/shade", "remote:billing=sync/shade"});
  }
  SECTION("from a device: not to its own command filters") {
    CHECK(summary(router.route(Source::device("shade"), message("sync/shade"))) ==
          Lines{"local=sync/shade", "device:fan=sync/shade", "remote:ops=sync/shade", "remote:billing=sync/shade"});
  }
  SECTION("from a rule: everywhere it matches") {
    CHECK(summary(router.route(Source::rule("r1"), message("sync/shade"))) ==
          Lines{"local=sync/shade", "device:shade=sync/shade", "device:fan=sync/shade", "remote:ops=sync/shade",
                "remote:billing=sync/shade"});
  }
}

TEST_CASE("a remote's message comes in only through that remote's in-mappings", "[router]") {
  const Router router({mapping("sensors/#", out, "", "site1/")}, {});
  CHECK(router.route(Source::remote("cloud"), message("site1/sensors/a")).empty());
  CHECK(router.route(Source::remote("nobody"), message("sensors/a")).empty());
}

TEST_CASE("a remote's message crosses to another remote through the local namespace", "[router]") {
  const Router router({mapping("#", in, "from-ops/", "", {"ops"}), mapping("from-ops/#", out, "", "", {"billing"})},
                      {});
  CHECK(summary(router.route(Source::remote("ops"), message("alarm/1"))) ==
        Lines{"local=from-ops/alarm/1", "remote:billing=from-ops/alarm/1"});
}

TEST_CASE("commands reach the devices whose command filters match", "[router]") {
  const Router router({mapping("cmd/#", in, "", "gw1/")},
                      {device("shade", {"cmd/greenhouse/shade", "cmd/greenhouse/+"}), device("lux1", {"cmd/lux1"})});
  SECTION("from the cloud: to the local broker and the device, once even when two filters match") {
    CHECK(summary(router.route(Source::remote("cloud"), message("gw1/cmd/greenhouse/shade"))) ==
          Lines{"local=cmd/greenhouse/shade", "device:shade=cmd/greenhouse/shade"});
  }
  SECTION("from the local broker: to the device only") {
    CHECK(summary(router.route(Source::local(), message("cmd/lux1"))) == Lines{"device:lux1=cmd/lux1"});
  }
  SECTION("a topic no command filter takes reaches no device") {
    CHECK(summary(router.route(Source::local(), message("cmd/unknown/x"))).empty());
  }
  SECTION("the gateway subscribes locally to command filters so local publishers reach devices") {
    const auto subs = router.local_subscriptions();
    CHECK(subs == std::vector<Subscription>{{"cmd/greenhouse/shade", 1}, {"cmd/greenhouse/+", 1}, {"cmd/lux1", 1}});
  }
}

TEST_CASE("subscriptions are deduplicated with the highest QoS asked for a filter", "[router]") {
  const Router router({mapping("sensors/#", out, "", "", {"ops"}, 0), mapping("sensors/#", both, "", "", {"ops"}, 1),
                       mapping("sensors/#", out, "", "b/", {"billing"}, 0), mapping("cmd/#", in, "", "", {"ops"}, 0),
                       mapping("cmd/#", in, "", "", {"ops", "billing"}, 1)},
                      {device("shade", {"sensors/#"})});
  CHECK(router.local_subscriptions() == std::vector<Subscription>{{"sensors/#", 1}});
  CHECK(router.remote_subscriptions("ops") == std::vector<Subscription>{{"sensors/#", 1}, {"cmd/#", 1}});
  CHECK(router.remote_subscriptions("billing") == std::vector<Subscription>{{"cmd/#", 1}});
  CHECK(router.remote_subscriptions("unknown").empty());
}

TEST_CASE("describe lists one line per mapping and remote, in topics order", "[router]") {
  auto first = mapping("sensors/#", out, "", "site1/", {"ops", "billing"}, 0);
  first.where = {"bridge.yaml", 12, 5};
  const Router router({first, mapping("cmd/#", in, "local/", "", {"ops"})}, {});
  const auto lines = router.describe();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].local_filter == "sensors/#");
  CHECK(lines[0].remote_filter == "site1/sensors/#");
  CHECK(lines[0].direction == Direction::out);
  CHECK(lines[0].qos == 0);
  CHECK(lines[0].remote == "ops");
  CHECK(lines[0].where.line == 12);
  CHECK(lines[1].remote == "billing");
  CHECK(lines[2].local_filter == "local/cmd/#");
  CHECK(lines[2].remote_filter == "cmd/#");
  CHECK(lines[2].direction == Direction::in);
}

TEST_CASE("a router refuses filters the loader would have refused", "[router]") {
  CHECK_THROWS_AS(Router({mapping("sensors/#/x", out)}, {}), std::invalid_argument);
  CHECK_THROWS_AS(Router({mapping("a", out, "+/", "")}, {}), std::invalid_argument);
  CHECK_THROWS_AS(Router({}, {device("shade", {"cmd/sh#"})}), std::invalid_argument);
  CHECK_NOTHROW(Router({mapping("sensors/#", out)}, {device("shade", {"cmd/+"})}));
}

TEST_CASE("target kinds have the names the logs use", "[router]") {
  CHECK(std::string(to_string(TargetKind::local)) == "local");
  CHECK(std::string(to_string(TargetKind::remote)) == "remote");
  CHECK(std::string(to_string(TargetKind::device)) == "device");
}
