// `batch:` in bridge.yaml: under an out-mapping and a rule's publish to a
// remote, its defaults, and the streams each remote ends up with.
#include <catch2/catch.hpp>

#include "catalog/catalog.hpp"
#include "config/batch_section.hpp"
#include "core/message.hpp"
#include "loader/loader.hpp"
#include "routing/router.hpp"
#include "rules/rule_actions.hpp"
#include "rules/rule_config.hpp"

using namespace edgebridge;

namespace {

LoadResult load(const std::string& yaml) {
  LoadOptions options;
  options.default_gateway_id = "unit-gw";
  options.check_files = false;
  return load_config_text(yaml, "bridge.yaml", device_catalog(), options);
}

const std::string kRemote = R"(
remotes:
  ops:
    url: mqtts://example-ats.iot.eu-central-1.amazonaws.com
    tls: { ca_file: /etc/ssl/ca.pem }
)";

}  // namespace

TEST_CASE("batch: {} under an out-mapping gets the documented defaults", "[config][batch]") {
  auto r = load(kRemote + R"(
topics:
  - { pattern: "rfid/#", remote_prefix: "site1/", batch: {} }
  - { pattern: "plain/#" }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& batch = r.config->topics[0].batch;
  REQUIRE(batch);
  CHECK(batch->topic == "site1/rfid/batch");
  CHECK(batch->format == BatchFormat::json_array);
  CHECK(batch->max_messages == 500);
  CHECK(batch->max_bytes == 0);  // whole 5 KiB units within the remote's limits, decided when sending
  CHECK(batch->max_delay == Duration(1000));
  CHECK_FALSE(r.config->topics[1].batch);
  REQUIRE(r.config->remotes[0].batches.size() == 1);
  CHECK(r.config->remotes[0].batches[0] == batch);
}

TEST_CASE("every batch key is read", "[config][batch]") {
  auto r = load(kRemote + R"(
topics:
  - pattern: "modbus/+/registers"
    batch: { max_messages: 100, max_bytes: 10KiB, max_delay: 250ms, topic: "site1/modbus", format: json_lines }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& b = *r.config->topics[0].batch;
  CHECK(b.topic == "site1/modbus");
  CHECK(b.format == BatchFormat::json_lines);
  CHECK(b.max_messages == 100);
  CHECK(b.max_bytes == 10 * 1024);
  CHECK(b.max_delay == Duration(250));
}

TEST_CASE("the default batch topic is the mapping's remote filter up to its first wildcard, then batch",
          "[config][batch]") {
  CHECK(sections::default_batch_topic("site1/sensors/#") == "site1/sensors/batch");
  CHECK(sections::default_batch_topic("site1/+/temp") == "site1/batch");
  CHECK(sections::default_batch_topic("site1/a/b") == "site1/a/b/batch");
  CHECK(sections::default_batch_topic("#") == "batch");
}

TEST_CASE("an out-route carries its mapping's batch; other routes do not", "[config][batch]") {
  auto r = load(kRemote + R"(
topics:
  - { pattern: "rfid/#", remote_prefix: "site1/", batch: { max_messages: 50 } }
  - { pattern: "cmd/#", direction: in }
)");
  REQUIRE(r.config);
  Router router(r.config->topics, r.config->devices);
  Message m;
  m.topic = "rfid/reader7";
  m.payload = "{}";
  m.qos = 1;
  auto routes = router.route(Source::local(), m);
  REQUIRE(routes.size() == 1);
  CHECK(routes[0].message.topic == "site1/rfid/reader7");
  REQUIRE(routes[0].message.batch);
  CHECK(routes[0].message.batch->max_messages == 50);
  Message in;
  in.topic = "cmd/x";
  in.qos = 1;
  auto from_remote = router.route(Source::remote("ops"), in);
  REQUIRE(from_remote.size() == 1);
  CHECK_FALSE(from_remote[0].message.batch);
}

TEST_CASE("a rule's publish to a remote may batch; its default topic is the action's topic + /batch",
          "[config][batch]") {
  auto r = load(kRemote + R"(
rules:
  - name: tags
    sql: "SELECT tag FROM 'rfid/#'"
    actions:
      - publish: { topic: "site1/tags", remote: ops, batch: { max_messages: 200 } }
      - publish: { topic: "site1/${topic(2)}", remote: ops, batch: { topic: "site1/readers/batch" } }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& actions = r.config->rules->rules[0].actions;
  REQUIRE(actions[0].batch);
  CHECK(actions[0].batch->topic == "site1/tags/batch");
  CHECK(actions[0].batch->max_messages == 200);
  REQUIRE(actions[1].batch);
  CHECK(actions[1].batch->topic == "site1/readers/batch");
  CHECK(r.config->remotes[0].batches.size() == 2);
}

TEST_CASE("batch mistakes are reported with their place and what would be valid", "[config][batch][errors]") {
  auto r = load(kRemote + R"(
topics:
  - { pattern: "cmd/#", direction: in, batch: {} }
  - { pattern: "a/#", batch: { format: csv, max_messages: 0, max_delay: 2h, max_bytes: 10 } }
  - { pattern: "b/#", remote_prefix: "site1/", batch: { topic: "site1/shared", max_messages: 10 } }
  - { pattern: "c/#", remote_prefix: "site1/", batch: { topic: "site1/shared", max_messages: 20 } }
  - { pattern: "d/#", batch: { topic: "d/+/x", maxmessages: 3 } }
rules:
  - name: r
    sql: "SELECT * FROM 'x'"
    actions:
      - publish: { topic: "local/x", batch: {} }
      - publish: { topic: "up/${topic()}", remote: ops, batch: {} }
)");
  REQUIRE_FALSE(r.config);
  const std::string all = r.diagnostics.format_all();
  INFO(all);
  CHECK(all.find("topics[0].batch: batches are for messages going to a remote") != std::string::npos);
  CHECK(all.find("topics[1].batch.format: ") != std::string::npos);
  CHECK(all.find("topics[1].batch.max_messages: 0 is out of range") != std::string::npos);
  CHECK(all.find("topics[1].batch.max_delay: must be between 0s and 1h") != std::string::npos);
  CHECK(all.find("topics[1].batch.max_bytes: must be between 64B and 256MiB") != std::string::npos);
  CHECK(all.find("topics[3].batch: remote ops already gets batches on \"site1/shared\" from topics[2].batch") !=
        std::string::npos);
  CHECK(all.find("topics[4].batch.topic: \"d/+/x\"") != std::string::npos);
  CHECK(all.find("topics[4].batch: unknown key \"maxmessages\"") != std::string::npos);
  CHECK(all.find("rules[0].actions[0].publish.batch: batches go to a remote") != std::string::npos);
  CHECK(all.find("rules[0].actions[1].publish.batch.topic: is required here") != std::string::npos);
}

TEST_CASE("a batch larger than the remote's max_message_size is a warning: batches are cut at that size",
          "[config][batch]") {
  auto r = load(kRemote + R"(
topics:
  - { pattern: "a/#", batch: { max_bytes: 1MiB } }
)");
  REQUIRE(r.config);
  CHECK(r.diagnostics.format_all().find("warning: topics[0].batch.max_bytes: 1MiB is more than "
                                        "remotes.ops.max_message_size (128KiB)") != std::string::npos);
}

TEST_CASE("a rule's publish to a remote with batch: plans a message in that batch stream", "[config][batch][rules]") {
  auto r = load(kRemote + R"(
rules:
  - name: tags
    sql: "SELECT tag FROM 'rfid/#'"
    actions:
      - publish: { topic: "site1/tags", remote: ops, batch: { max_messages: 200 } }
      - publish: { topic: "site1/alone", remote: ops }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& rule = r.config->rules->rules[0];
  Message in;
  in.topic = "rfid/r1";
  in.payload = R"({"tag":"E200"})";
  rules::EvalInput input(in.topic, in.payload);
  const auto selected = rules::evaluate_select(*rule.statement, input);
  const auto batched = rules::plan_action(rule.actions[0], input, selected, in, std::chrono::system_clock::now());
  REQUIRE(batched.message.batch);
  CHECK(batched.message.batch == rule.actions[0].batch);
  CHECK(batched.message.batch->topic == "site1/tags/batch");
  CHECK(rules::describe(batched).find("in batches on site1/tags/batch") != std::string::npos);
  const auto alone = rules::plan_action(rule.actions[1], input, selected, in, std::chrono::system_clock::now());
  CHECK_FALSE(alone.message.batch);
}
