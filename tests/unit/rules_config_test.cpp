// The `rules:` section of bridge.yaml: defaults, and every error with its
// line and column in the file and, for SQL and templates, in the string.
#include <catch2/catch.hpp>

#include <string>

#include "loader/loader.hpp"
#include "rules/rule_config.hpp"
#include "rules_test_support.hpp"

using namespace edgebridge;

namespace {

LoadResult load(const std::string& yaml) {
  LoadOptions options;
  options.check_files = false;
  options.default_gateway_id = "unit-gw";
  options.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SHADE") return std::string("shade");
    return std::nullopt;
  };
  return load_config_text(yaml, "bridge.yaml", test_support::rules_catalog(), options);
}

const char* const kDevicesAndRemote = R"(
remotes:
  ops:
    url: mqtts://example.com
    tls: { ca_file: /etc/ssl/ca.pem }
devices:
  - { name: shade, type: fake_ir, topic: cmd/greenhouse/shade }
  - { name: vent, type: fake_opaque, topic: cmd/greenhouse/vent }
)";

}  // namespace

TEST_CASE("a rule gets its documented defaults", "[rules][config]") {
  auto r = load(std::string(kDevicesAndRemote) + R"(
rules:
  - name: too_bright
    sql: "SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    actions:
      - publish: { topic: "alerts/${topic(2)}" }
      - command: { device: shade, name: close }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  REQUIRE(r.config->rules);
  REQUIRE(r.config->rules->rules.size() == 1);
  const RuleConfig& rule = r.config->rules->rules[0];
  CHECK(rule.name == "too_bright");
  CHECK(rule.statement->from == "sensors/greenhouse/lux1");
  CHECK_FALSE(rule.hold);
  CHECK_FALSE(rule.max_gap);
  CHECK(rule.enabled);
  CHECK_FALSE(rule.error_action);  // the default: error/rules
  REQUIRE(rule.actions.size() == 2);
  CHECK(rule.actions[0].kind == RuleAction::Kind::publish);
  CHECK(rule.actions[0].topic.source() == "alerts/${topic(2)}");  // ${...} is SQL here, not an env variable
  CHECK(rule.actions[0].remote.empty());
  CHECK(rule.actions[0].qos == 1);
  CHECK_FALSE(rule.actions[0].retain);
  CHECK(rule.actions[1].kind == RuleAction::Kind::command);
  CHECK(rule.actions[1].device == "shade");
  CHECK(rule.actions[1].command == "close");
  CHECK(rule.actions[1].args.source().is_null());
  CHECK(rule.where.line == 11);
}

TEST_CASE("a file without rules loads with an empty rule list", "[rules][config]") {
  auto r = load(kDevicesAndRemote);
  REQUIRE(r.config);
  REQUIRE(r.config->rules);
  CHECK(r.config->rules->rules.empty());
}

TEST_CASE("for, max_gap, error_action, enabled and remote publishes are read", "[rules][config]") {
  auto r = load(std::string(kDevicesAndRemote) + R"(
rules:
  - name: too_bright
    sql: |
      SELECT lux
      FROM 'sensors/greenhouse/lux1'
      WHERE lux > 35000
    for: 15m
    max_gap: 3m
    enabled: false
    actions:
      - republish: { topic: site1/raw, remote: ops, qos: 0, retain: true }
      - command: { device: "${SHADE}", name: close, args: { speed: 2, note: "lux ${lux}" } }
    error_action:
      publish: { topic: alarms/rules, remote: ops }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const RuleConfig& rule = r.config->rules->rules[0];
  CHECK(rule.hold == Duration(15 * 60 * 1000));
  CHECK(rule.max_gap == Duration(3 * 60 * 1000));
  CHECK_FALSE(rule.enabled);
  CHECK(rule.actions[0].kind == RuleAction::Kind::republish);
  CHECK(rule.actions[0].remote == "ops");
  CHECK(rule.actions[0].qos == 0);
  CHECK(rule.actions[0].retain);
  CHECK(rule.actions[1].device == "shade");  // env substitution still works outside SQL and templates
  CHECK(rule.actions[1].args.source() == nlohmann::json::parse(R"({"speed": 2, "note": "lux ${lux}"})"));
  REQUIRE(rule.error_action);
  CHECK(rule.error_action->topic.source() == "alarms/rules");
  CHECK(rule.error_action->remote == "ops");
}

TEST_CASE("a SQL error points at the sql key in the file and the column in the SQL", "[rules][config][errors]") {
  auto r = load(R"(
rules:
  - name: too_bright
    sql: "SELECT lux FORM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    actions: [ { publish: { topic: alerts/lux } } ]
)");
  CHECK_FALSE(r.config);
  CHECK(r.diagnostics.format_all() ==
        "bridge.yaml:4:10: error: rules[0].sql: column 12: expected FROM after the select list, found \"FORM\"; "
        "did you mean FROM?\n");
}

TEST_CASE("rule errors are all reported at once, each with its place", "[rules][config][errors]") {
  auto r = load(std::string(kDevicesAndRemote) + R"yaml(
rules:
  - name: bad name!
    sql: SELECT * FROM 'a'
    actions: [ { publish: { topic: "x/#" } } ]
  - name: twice
    sql: SELECT * FROM 'a'
    max_gap: 1m
    actions:
      - publish: { topic: "alerts/${topic(2)", remote: opz }
      - command: { device: shaed, name: close }
      - command: { device: shade, name: clsoe }
      - { publish: { topic: a }, command: { device: shade, name: open } }
      - {}
  - name: twice
    sql: SELECT * FROM 'a'
    actions: []
    topic: oops
  - name: no_actions
    sql: [SELECT]
)yaml");
  CHECK_FALSE(r.config);
  const std::string out = r.diagnostics.format_all();
  INFO(out);
  const char* const expected[] = {
      "bridge.yaml:11:11: error: rules[0].name: \"bad name!\" is not a valid name; use letters, digits, '-' or '_'",
      "bridge.yaml:13:36: error: rules[0].actions[0].publish.topic: \"x/#\": a topic to publish on cannot contain + or #",
      "bridge.yaml:16:14: error: rules[1].max_gap: max_gap only applies to a rule with for:; add for: or remove max_gap",
      "bridge.yaml:18:27: error: rules[1].actions[0].publish.topic: column 18: expected '}' to close the \"${\" at column 8",
      "bridge.yaml:18:56: error: rules[1].actions[0].publish.remote: unknown remote \"opz\"; did you mean \"ops\"? Remotes: ops",
      "bridge.yaml:19:28: error: rules[1].actions[1].command.device: unknown device \"shaed\"; did you mean \"shade\"? "
      "Devices: shade, vent",
      "bridge.yaml:20:41: error: rules[1].actions[2].command.name: device \"shade\" (fake_ir) has no command \"clsoe\"; "
      "did you mean \"close\"? Commands: open, close",
      "bridge.yaml:21:9: error: rules[1].actions[3]: an action takes one of publish, republish, command; write each "
      "as its own list item",
      "bridge.yaml:22:9: error: rules[1].actions[4]: an action needs one of: publish, republish, command",
      "bridge.yaml:23:11: error: rules[2].name: another rule is already named \"twice\"",
      "bridge.yaml:25:14: error: rules[2].actions: a rule needs at least one action (publish, republish or command)",
      "bridge.yaml:26:5: error: rules[2]: unknown key \"topic\" Valid keys: actions, enabled, error_action, for, "
      "max_gap, name, sql",
      "bridge.yaml:27:5: error: rules[3].actions: is required: a rule needs at least one action",
      "bridge.yaml:28:10: error: rules[3].sql: expected a single value, found a list",
  };

  for (const char* line : expected) CHECK(out.find(line) != std::string::npos);
  CHECK(r.diagnostics.error_count() == std::size(expected));
}

TEST_CASE("a command to a device whose kind cannot list its commands is checked when it runs", "[rules][config]") {
  auto r = load(std::string(kDevicesAndRemote) + R"(
rules:
  - name: vent_open
    sql: SELECT * FROM 'a'
    actions: [ { command: { device: vent, name: anything } } ]
)");
  INFO(r.diagnostics.format_all());
  CHECK(r.config);
}

TEST_CASE("an unknown top-level key lists rules among the valid ones", "[rules][config][errors]") {
  auto r = load("rulez: []\n");
  CHECK(r.diagnostics.format_all().find("unknown top-level key \"rulez\"; did you mean \"rules\"? Valid keys: "
                                        "devices, gateway, local, remotes, rules, topics") != std::string::npos);
}
