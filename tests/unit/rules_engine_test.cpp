// The rules engine's actions and error actions, its guard against rules
// firing on their own output, and its counters.
#include <catch2/catch.hpp>

#include <string>

#include "loader/loader.hpp"
#include "rules/rule_config.hpp"
#include "rules/rules_engine.hpp"
#include "rules_test_support.hpp"

using namespace edgebridge;
using test_support::FakeClock;
using test_support::Recorder;

namespace {

const char* const kSetup = R"(
remotes:
  ops:
    url: mqtts://example.com
    tls: { ca_file: /etc/ssl/ca.pem }
devices:
  - { name: shade, type: fake_ir, topic: cmd/greenhouse/shade }
)";

std::shared_ptr<const RulesConfig> rules_from(const std::string& rules_yaml) {
  LoadOptions options;
  options.check_files = false;
  options.default_gateway_id = "unit-gw";
  auto r = load_config_text(std::string(kSetup) + rules_yaml, "bridge.yaml", test_support::rules_catalog(), options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  return r.config->rules;
}

Message message(std::string topic, std::string payload) {
  Message m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.qos = 1;
  return m;
}

struct Engine {
  FakeClock clock;
  Recorder effects;
  std::unique_ptr<RulesEngine> engine;
  explicit Engine(const std::string& rules_yaml, bool loop_back = true) {
    RulesEngine::Options options;
    options.clock = clock.function();
    options.earliest_valid_ms = 0;
    options.new_uuid = [] { return std::string("00000000-0000-4000-8000-000000000001"); };
    engine = std::make_unique<RulesEngine>(rules_from(rules_yaml), effects, options);
    if (loop_back) effects.loop_back = engine.get();
  }
};

}  // namespace

TEST_CASE("a publish action sends the SELECT output to the substituted topic", "[rules][engine][actions]") {
  Engine e(R"(
rules:
  - name: alert
    sql: "SELECT lux, topic(3) AS sensor FROM 'sensors/+/+' WHERE lux > 35000"
    actions:
      - publish: { topic: "alerts/${topic(2)}", qos: 0, retain: true }
      - publish: { topic: "site1/alerts/${topic(3)}", remote: ops }
)");
  e.engine->on_message(Source::local(), message("sensors/greenhouse/lux1", R"({"lux": 40000, "temperature": 21})"));
  e.engine->on_message(Source::local(), message("sensors/greenhouse/lux2", R"({"lux": 100})"));
  REQUIRE(e.effects.local.size() == 1);
  CHECK(e.effects.local[0].rule_or_remote == "alert");
  CHECK(e.effects.local[0].message.topic == "alerts/greenhouse");
  CHECK(e.effects.local[0].message.payload == R"({"lux":40000,"sensor":"lux1"})");
  CHECK(e.effects.local[0].message.qos == 0);
  CHECK(e.effects.local[0].message.retain);
  REQUIRE(e.effects.remote.size() == 1);
  CHECK(e.effects.remote[0].rule_or_remote == "ops");
  CHECK(e.effects.remote[0].message.topic == "site1/alerts/lux1");
  CHECK(e.effects.remote[0].message.qos == 1);
}

TEST_CASE("republish sends the input payload unchanged", "[rules][engine][actions]") {
  Engine e(R"(
rules:
  - name: copy
    sql: "SELECT lux FROM 'raw/#'"
    actions: [ { republish: { topic: "copy/${topic(2)}" } } ]
)");
  const std::string payload = "{ \"lux\" : 1,\n \"kept\": \"as is\" }";
  e.engine->on_message(Source::local(), message("raw/a", payload));
  REQUIRE(e.effects.local.size() == 1);
  CHECK(e.effects.local[0].message.topic == "copy/a");
  CHECK(e.effects.local[0].message.payload == payload);
}

TEST_CASE("a command action reaches the device with rendered args", "[rules][engine][actions]") {
  Engine e(R"(
rules:
  - name: shade_by_lux
    sql: "SELECT * FROM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    actions:
      - command: { device: shade, name: close, args: { position: "${100 - lux / 1000}", by: "${clientid()}" } }
)");
  e.engine->on_message(Source::device("lux1"), message("sensors/greenhouse/lux1", R"({"lux": 40000})"));
  REQUIRE(e.effects.commands.size() == 1);
  CHECK(e.effects.commands[0].device == "shade");
  CHECK(e.effects.commands[0].name == "close");
  CHECK(e.effects.commands[0].args == nlohmann::json::parse(R"({"position": 60, "by": "lux1"})"));
}

TEST_CASE("a failing action leaves the error and the input on error/rules", "[rules][engine][errors]") {
  Engine e(R"(
rules:
  - name: too_bright
    sql: "SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    actions:
      - command: { device: shade, name: close }
      - publish: { topic: alerts/lux1 }
)");
  e.effects.command_result = Delivery::error;
  e.engine->on_message(Source::device("lux1"), message("sensors/greenhouse/lux1", R"({"lux": 40000})"));
  CHECK(e.effects.local_on("alerts/lux1").size() == 1);  // the other action still ran
  auto errors = e.effects.local_on("error/rules");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].qos == 1);
  auto doc = nlohmann::json::parse(errors[0].payload);
  CHECK(doc["rule"] == "too_bright");
  CHECK(doc["action"] == "rules[0].actions[0]");
  CHECK(doc["error"] == "the shade refused: motor busy");
  CHECK(doc["topic"] == "sensors/greenhouse/lux1");
  CHECK(doc["payload"] == nlohmann::json::parse(R"({"lux": 40000})"));
  CHECK(doc["source"] == "device:lux1");
  CHECK(doc["timestamp"].is_number_integer());
  auto m = e.engine->metrics();
  CHECK(m[0].fired == 1);
  CHECK(m[0].action_errors == 1);
  CHECK(m[0].error_action_failures == 0);
}

TEST_CASE("a substituted topic that is not a valid topic fails the action", "[rules][engine][errors]") {
  Engine e(R"(
rules:
  - name: by_kind
    sql: "SELECT * FROM 'in/#'"
    actions: [ { publish: { topic: "out/${kind}" } } ]
)");
  e.engine->on_message(Source::local(), message("in/x", R"({"kind": "a/#"})"));
  auto errors = e.effects.local_on("error/rules");
  REQUIRE(errors.size() == 1);
  CHECK(nlohmann::json::parse(errors[0].payload)["error"] ==
        "topic \"out/a/#\" from \"out/${kind}\": a topic to publish on cannot contain + or #");
  CHECK(e.effects.local_on("out/a/#").empty());
}

TEST_CASE("a rule's own error_action replaces the default", "[rules][engine][errors]") {
  Engine e(R"(
rules:
  - name: to_cloud
    sql: "SELECT * FROM 'in/#'"
    actions: [ { publish: { topic: "site1/${topic(2)}", remote: ops } } ]
    error_action:
      publish: { topic: "alarms/${topic(2)}" }
)");
  e.effects.remote_result = Delivery::error;
  e.engine->on_message(Source::local(), message("in/x", "not json"));
  CHECK(e.effects.local_on("error/rules").empty());
  auto alarms = e.effects.local_on("alarms/x");
  REQUIRE(alarms.size() == 1);
  auto doc = nlohmann::json::parse(alarms[0].payload);
  CHECK(doc["error"] == "the outbox of remote ops is full");
  CHECK(doc["payload"] == "not json");
}

TEST_CASE("an error action that fails too is counted, not retried", "[rules][engine][errors]") {
  Engine e(R"(
rules:
  - name: r
    sql: "SELECT * FROM 'in/#'"
    actions: [ { command: { device: shade, name: open } } ]
)");
  e.effects.command_result = Delivery::retry;
  e.effects.local_result = Delivery::error;
  e.engine->on_message(Source::local(), message("in/x", "{}"));
  auto m = e.engine->metrics();
  CHECK(m[0].action_errors == 1);
  CHECK(m[0].error_action_failures == 1);
  CHECK(e.effects.local.size() == 1);
}

TEST_CASE("a rule never fires on its own output", "[rules][engine][loops]") {
  // Republishing into its own FROM filter is the classic AWS IoT rule loop.
  Engine e(R"(
rules:
  - name: echo
    sql: "SELECT * FROM 'alerts/#'"
    actions: [ { republish: { topic: "alerts/again" } } ]
)");
  e.engine->on_message(Source::local(), message("alerts/first", "{}"));
  CHECK(e.effects.local.size() == 1);
  CHECK(e.engine->metrics()[0].fired == 1);
}

TEST_CASE("rules triggering each other stop at 8 levels", "[rules][engine][loops]") {
  Engine e(R"(
rules:
  - name: ping
    sql: "SELECT * FROM 'a'"
    actions: [ { republish: { topic: b } } ]
  - name: pong
    sql: "SELECT * FROM 'b'"
    actions: [ { republish: { topic: a } } ]
)");
  e.engine->on_message(Source::local(), message("a", "{}"));
  CHECK(e.effects.local.size() == 8);
  CHECK(e.engine->chain_too_deep() == 1);
  e.engine->on_message(Source::local(), message("a", "{}"));  // the next message starts a fresh chain
  CHECK(e.effects.local.size() == 16);
}

TEST_CASE("one rule's output reaches the other rules", "[rules][engine]") {
  Engine e(R"(
rules:
  - name: classify
    sql: "SELECT lux > 35000 AS bright FROM 'sensors/greenhouse/lux1'"
    actions: [ { publish: { topic: state/bright } } ]
  - name: act
    sql: "SELECT * FROM 'state/bright' WHERE bright"
    actions: [ { command: { device: shade, name: close } } ]
)");
  e.engine->on_message(Source::local(), message("sensors/greenhouse/lux1", R"({"lux": 40000})"));
  e.engine->on_message(Source::local(), message("sensors/greenhouse/lux1", R"({"lux": 100})"));
  CHECK(e.effects.local.size() == 2);
  CHECK(e.effects.commands.size() == 1);
}

TEST_CASE("a disabled rule neither subscribes nor fires", "[rules][engine]") {
  Engine e(R"(
rules:
  - name: off
    sql: "SELECT * FROM 'quiet/#'"
    enabled: false
    actions: [ { publish: { topic: x } } ]
  - name: on
    sql: "SELECT * FROM 'loud/#'"
    actions: [ { publish: { topic: y } } ]
)");
  e.engine->on_message(Source::local(), message("quiet/a", "{}"));
  e.engine->on_message(Source::local(), message("loud/a", "{}"));
  CHECK(e.effects.local.size() == 1);
  CHECK(e.engine->filters() == std::vector<std::string>{"loud/#"});
}

TEST_CASE("counters tell evaluations, matches and undefined WHEREs apart", "[rules][engine][metrics]") {
  Engine e(R"(
rules:
  - name: bright
    sql: "SELECT * FROM 'sensors/#' WHERE lux > 35000"
    actions: [ { publish: { topic: alerts/bright } } ]
)");
  e.engine->on_message(Source::local(), message("sensors/a", R"({"lux": 40000})"));
  e.engine->on_message(Source::local(), message("sensors/a", R"({"lux": 100})"));
  e.engine->on_message(Source::local(), message("sensors/a", R"({"temperature": 21})"));
  e.engine->on_message(Source::local(), message("sensors/a", "garbage{"));
  e.engine->on_message(Source::local(), message("other/a", R"({"lux": 40000})"));
  auto m = e.engine->metrics();
  REQUIRE(m.size() == 1);
  CHECK(m[0].rule == "bright");
  CHECK(m[0].evaluations == 4);
  CHECK(m[0].matched == 1);
  CHECK(m[0].undefined == 2);
  CHECK(m[0].fired == 1);
  CHECK(m[0].action_errors == 0);
  CHECK_FALSE(m[0].holding);
  CHECK(m[0].hold_for == std::chrono::milliseconds(0));
  CHECK(m[0].last_fired == e.clock.now);
}

TEST_CASE("newuuid() and timestamp() reach the output", "[rules][engine]") {
  Engine e(R"(
rules:
  - name: stamp
    sql: "SELECT newuuid() AS id, timestamp() AS ts FROM 'in'"
    actions: [ { publish: { topic: out } } ]
)");
  e.engine->on_message(Source::local(), message("in", "{}"));
  REQUIRE(e.effects.local.size() == 1);
  CHECK(e.effects.local[0].message.payload ==
        R"({"id":"00000000-0000-4000-8000-000000000001","ts":1780315200000})");
}
