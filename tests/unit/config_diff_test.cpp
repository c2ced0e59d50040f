// What a reload (SIGHUP) would change, computed from two versions of bridge.yaml.
#include <catch2/catch.hpp>

#include <string>

#include "app/config_diff.hpp"
#include "catalog/catalog.hpp"
#include "loader/loader.hpp"

using namespace edgebridge;

namespace {

Config load(const std::string& yaml) {
  LoadOptions options;
  options.default_gateway_id = "unit-gw";
  options.check_files = false;
  auto r = load_config_text(yaml, "bridge.yaml", device_catalog(), options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  return std::move(*r.config);
}

const std::string kRemotes = R"(
remotes:
  ops:
    url: mqtts://ops.example.com
    tls: { ca_file: /etc/ssl/ca.pem, cert_file: /etc/edgebridge/ops.crt, key_file: /etc/edgebridge/ops.key }
  billing:
    url: mqtts://billing.example.com
    tls: { ca_file: /etc/ssl/ca.pem }
)";

const std::string kTopics = R"(
topics:
  - { pattern: "sensors/#", direction: out, qos: 1 }
)";

const std::string kDevices = R"(
devices:
  - name: shade
    type: ir_tcp
    topic: cmd/greenhouse/shade
    host: 192.0.2.10
    codes: { open: "sendir,1:1,1,38000,1,1,342,171,21,21,21,64,21,1517" }
  - name: fan
    type: ir_tcp
    topic: cmd/greenhouse/fan
    host: 192.0.2.11
    codes: { on: "sendir,1:1,1,38000,1,1,342,171,21,21,21,64,21,1517" }
)";

const std::string kBase = "gateway: { state_dir: /var/lib/edgebridge }\n" + kRemotes + kTopics + kDevices;

}  // namespace

TEST_CASE("reloading the same file changes nothing", "[reload]") {
  const Config a = load(kBase);
  const Config b = load(kBase);
  const ConfigDiff d = diff_config(a, b);
  CHECK(d.empty());
  CHECK(d.remotes_unchanged == std::vector<std::string>{"ops", "billing"});
}

TEST_CASE("comments, blank lines and key order do not count as a change", "[reload]") {
  const Config a = load(kBase);
  const Config b = load("# edited by hand\n\ngateway: { state_dir: /var/lib/edgebridge }\n" + kRemotes + kTopics +
                        R"(
devices:
  # the shade over the south bed
  - name: shade
    type: ir_tcp
    host: 192.0.2.10
    topic: cmd/greenhouse/shade

    codes: { open: "sendir,1:1,1,38000,1,1,342,171,21,21,21,64,21,1517" }
  - name: fan
    type: ir_tcp
    topic: cmd/greenhouse/fan
    host: 192.0.2.11
    codes: { on: "sendir,1:1,1,38000,1,1,342,171,21,21,21,64,21,1517" }
)");
  const ConfigDiff d = diff_config(a, b);
  CHECK(d.devices_changed.empty());
  CHECK(!d.routes_changed);
}

TEST_CASE("a new topic mapping changes the routes and nothing else", "[reload]") {
  const Config a = load(kBase);
  const Config b = load("gateway: { state_dir: /var/lib/edgebridge }\n" + kRemotes + kTopics +
                        "  - { pattern: \"alarms/#\", direction: out, qos: 1, remote: ops }\n" + kDevices);
  const ConfigDiff d = diff_config(a, b);
  CHECK(d.routes_changed);
  CHECK(d.remotes_changed.empty());
  CHECK(d.remotes_added.empty());
  CHECK(d.devices_changed.empty());
  CHECK(d.restart_keys.empty());
  CHECK(!d.rules_changed);
}

TEST_CASE("a mapping's qos or prefix changing is a route change", "[reload]") {
  const Config a = load(kBase);
  const Config b = load("gateway: { state_dir: /var/lib/edgebridge }\n" + kRemotes +
                        "topics:\n  - { pattern: \"sensors/#\", direction: out, qos: 0 }\n" + kDevices);
  CHECK(diff_config(a, b).routes_changed);
  const Config c = load("gateway: { state_dir: /var/lib/edgebridge }\n" + kRemotes +
                        "topics:\n  - { pattern: \"sensors/#\", direction: out, qos: 1, remote_prefix: site1/ }\n" +
                        kDevices);
  CHECK(diff_config(a, c).routes_changed);
}

TEST_CASE("remotes are told apart as added, removed, changed and unchanged", "[reload]") {
  const Config a = load(kBase);
  const Config b = load(R"(
gateway: { state_dir: /var/lib/edgebridge }
remotes:
  ops:
    url: mqtts://ops.example.com
    keepalive: 60s
    tls: { ca_file: /etc/ssl/ca.pem, cert_file: /etc/edgebridge/ops.crt, key_file: /etc/edgebridge/ops.key }
  backup:
    url: mqtts://backup.example.com
    tls: { ca_file: /etc/ssl/ca.pem }
)" + kTopics + kDevices);
  const ConfigDiff d = diff_config(a, b);
  CHECK(d.remotes_changed == std::vector<std::string>{"ops"});
  CHECK(d.remotes_added == std::vector<std::string>{"backup"});
  CHECK(d.remotes_removed == std::vector<std::string>{"billing"});
  CHECK(d.remotes_unchanged.empty());
  // topics: without `remote:` go to every remote, so the resolved mapping changed too
  CHECK(d.routes_changed);
}

TEST_CASE("a remote's new certificate paths or outbox limits recreate it", "[reload]") {
  const Config a = load(kBase);
  std::string paths = kBase;
  paths.replace(paths.find("ops.crt"), 7, "ops-2026.crt");
  CHECK(diff_config(a, load(paths)).remotes_changed == std::vector<std::string>{"ops"});

  std::string limits = kBase;
  limits.insert(limits.find("    tls: { ca_file: /etc/ssl/ca.pem }\n"), "    outbox: { max_messages: 5000 }\n");
  CHECK(diff_config(a, load(limits)).remotes_changed == std::vector<std::string>{"billing"});
}

TEST_CASE("only the device whose entry changed is recreated", "[reload]") {
  const Config a = load(kBase);
  std::string text = kBase;
  text.replace(text.find("192.0.2.11"), 10, "192.0.2.12");
  const ConfigDiff d = diff_config(a, load(text));
  CHECK(d.devices_changed == std::vector<std::string>{"fan"});
  CHECK(d.devices_added.empty());
  CHECK(d.devices_removed.empty());
}

TEST_CASE("devices are added and removed by name", "[reload]") {
  const Config a = load(kBase);
  std::string text = kBase;
  text.replace(text.find("name: fan"), 9, "name: pump");
  text.replace(text.find("cmd/greenhouse/fan"), 18, "cmd/greenhouse/pump");
  const ConfigDiff d = diff_config(a, load(text));
  CHECK(d.devices_added == std::vector<std::string>{"pump"});
  CHECK(d.devices_removed == std::vector<std::string>{"fan"});
  CHECK(d.devices_changed.empty());
}

TEST_CASE("a changed rule is a rules change", "[reload]") {
  const std::string rules = R"(
rules:
  - name: too_bright
    sql: "SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    actions:
      - command: { device: shade, name: open }
)";
  const Config a = load(kBase + rules);
  CHECK(!diff_config(a, load(kBase + rules)).rules_changed);
  std::string edited = rules;
  edited.replace(edited.find("35000"), 5, "30000");
  CHECK(diff_config(a, load(kBase + edited)).rules_changed);
  CHECK(diff_config(a, load(kBase)).rules_changed);
}

TEST_CASE("settings that need a restart are named and keep their running values", "[reload]") {
  const Config a = load(kBase);
  const Config b = load(R"(
gateway:
  id: other-gw
  state_dir: /srv/edgebridge
  durability: full
  log_level: debug
  tls_check_interval: 2s
local:
  url: mqtt://127.0.0.1:1884
)" + kRemotes + kTopics + kDevices);
  const ConfigDiff d = diff_config(a, b);
  CHECK_THAT(d.restart_keys, Catch::Matchers::VectorContains(std::string("gateway.id")));
  CHECK_THAT(d.restart_keys, Catch::Matchers::VectorContains(std::string("gateway.state_dir")));
  CHECK_THAT(d.restart_keys, Catch::Matchers::VectorContains(std::string("gateway.durability")));
  CHECK_THAT(d.restart_keys, Catch::Matchers::VectorContains(std::string("local.url")));
  CHECK(d.log_level_changed);
  CHECK(d.tls_check_interval_changed);

  const Config live = live_config(a, b);
  CHECK(live.gateway.id == "unit-gw");
  CHECK(live.gateway.state_dir == "/var/lib/edgebridge");
  CHECK(live.gateway.durability == Durability::normal);
  CHECK(live.local.url.port == 1883);
  CHECK(live.gateway.log_level == "debug");
  CHECK(live.gateway.tls_check_interval == Duration(2000));
}

TEST_CASE("the watching keys need a restart and keep their running values", "[reload]") {
  const Config a = load(kBase);
  const Config b = load(R"(
gateway:
  id: unit-gw
  metrics: 127.0.0.1:9999
  health_grace: 5m
  stats_interval: 10s
  stats_topic: site/stats
)" + kRemotes + kTopics + kDevices);
  const ConfigDiff d = diff_config(a, b);
  for (const char* key : {"gateway.metrics", "gateway.health_grace", "gateway.stats_interval", "gateway.stats_topic"})
    CHECK_THAT(d.restart_keys, Catch::Matchers::VectorContains(std::string(key)));
  const Config live = live_config(a, b);
  REQUIRE(live.gateway.metrics);
  CHECK(live.gateway.metrics->port == 9810);
  CHECK(live.gateway.stats_topic == a.gateway.stats_topic);
}

TEST_CASE("tls_check_interval defaults to 10s and must be at least 1s", "[reload][config]") {
  CHECK(load(kBase).gateway.tls_check_interval == Duration(10'000));
  LoadOptions options;
  options.default_gateway_id = "unit-gw";
  options.check_files = false;
  auto r = load_config_text("gateway: { tls_check_interval: 200ms }\n" + kRemotes + kTopics, "bridge.yaml",
                            device_catalog(), options);
  REQUIRE(!r.config);
  CHECK_THAT(r.diagnostics.format_all(), Catch::Contains("bridge.yaml:1:") &&
                                             Catch::Contains("error: gateway.tls_check_interval: must be at least 1s"));
}
