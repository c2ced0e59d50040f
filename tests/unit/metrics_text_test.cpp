// /metrics text, /stats JSON and the health verdict, rendered from snapshots
// built by hand.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "observe/health.hpp"
#include "observe/metrics_text.hpp"
#include "observe/stats_json.hpp"
#include "observe/status_text.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::system_clock;

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

GatewaySnapshot sample_snapshot() {
  GatewaySnapshot s;
  s.id = "greenhouse-1";
  s.version = "0.1.0";
  s.started_at = Clock::time_point(1'700'000'000s);
  s.taken_at = s.started_at + 90s;
  s.local.state = LinkState::connected;
  s.local.connects = 1;
  RemoteSnapshot ops;
  ops.name = "ops";
  ops.link.state = LinkState::backoff;
  ops.link.connects = 2;
  ops.link.since = s.started_at + 60s;
  ops.outbox.depth = 12;
  ops.outbox.depth_bytes = 2048;
  ops.outbox.oldest_age_ms = 30'500;
  ops.outbox.stored = 112;
  ops.outbox.sent = 101;
  ops.outbox.acked = 100;
  ops.outbox.dropped[static_cast<std::size_t>(DropReason::ttl_expired)] = 3;
  s.remotes.push_back(ops);
  s.messages.received_local = 110;
  s.messages.received_device = 5;
  s.messages.published_local = 7;
  DeviceSnapshot lux;
  lux.name = "lux1";
  lux.type = "modbus_tcp";
  lux.metrics = {{"polls_ok", 40}, {"polls_failed", 2}, {"poll_latency_ms", 12.5}, {"online", 1}};
  s.devices.push_back(lux);
  RuleMetrics rule;
  rule.rule = "too_bright";
  rule.evaluations = 9;
  rule.fired = 1;
  rule.holding = true;
  rule.hold_for = 15min;
  rule.holding_since = s.started_at + 30s;
  rule.last_fired = s.started_at + 10s;
  s.rules.push_back(rule);
  s.health.healthy = false;
  s.health.remotes.push_back({"ops", false, s.started_at + 60s, false, "connection refused"});
  return s;
}

}  // namespace

TEST_CASE("the metrics a user checks carry their values and labels", "[observe][metrics]") {
  const std::string text = render_metrics(sample_snapshot());
  INFO(text);
  CHECK(has_line(text, "edgebridge_up 1"));
  CHECK(has_line(text, "edgebridge_build_info{version=\"0.1.0\",gateway=\"greenhouse-1\"} 1"));
  CHECK(has_line(text, "edgebridge_start_time_seconds 1700000000"));
  CHECK(has_line(text, "edgebridge_healthy 0"));
  CHECK(has_line(text, "edgebridge_local_connected 1"));
  CHECK(has_line(text, "edgebridge_remote_connected{remote=\"ops\"} 0"));
  CHECK(has_line(text, "edgebridge_remote_connects_total{remote=\"ops\"} 2"));
  CHECK(has_line(text, "edgebridge_remote_state{remote=\"ops\",state=\"backoff\"} 1"));
  CHECK(has_line(text, "edgebridge_remote_state{remote=\"ops\",state=\"connected\"} 0"));
  CHECK(has_line(text, "edgebridge_remote_healthy{remote=\"ops\"} 0"));
  CHECK(has_line(text, "edgebridge_messages_received_total{source=\"local\"} 110"));
  CHECK(has_line(text, "edgebridge_messages_received_total{source=\"device\"} 5"));
  CHECK(has_line(text, "edgebridge_local_published_total 7"));
  CHECK(has_line(text, "edgebridge_remote_forwarded_total{remote=\"ops\"} 100"));
  CHECK(has_line(text, "edgebridge_outbox_depth_messages{remote=\"ops\"} 12"));
  CHECK(has_line(text, "edgebridge_outbox_oldest_age_seconds{remote=\"ops\"} 30.5"));
  CHECK(has_line(text, "edgebridge_outbox_dropped_total{remote=\"ops\",reason=\"ttl_expired\"} 3"));
  CHECK(has_line(text, "edgebridge_outbox_dropped_total{remote=\"ops\",reason=\"overflow_oldest\"} 0"));
  CHECK(has_line(text, "edgebridge_device_polls_ok_total{device=\"lux1\",type=\"modbus_tcp\"} 40"));
  CHECK(has_line(text, "edgebridge_device_poll_latency_seconds{device=\"lux1\",type=\"modbus_tcp\"} 0.0125"));
  CHECK(has_line(text, "edgebridge_device_online{device=\"lux1\",type=\"modbus_tcp\"} 1"));
  CHECK(has_line(text, "edgebridge_rule_evaluations_total{rule=\"too_bright\"} 9"));
  CHECK(has_line(text, "edgebridge_rule_fired_total{rule=\"too_bright\"} 1"));
  CHECK(has_line(text, "edgebridge_rule_holding{rule=\"too_bright\"} 1"));
}

TEST_CASE("every family has one HELP and one TYPE line before its samples", "[observe][metrics]") {
  const std::string text = render_metrics(sample_snapshot());
  std::set<std::string> typed;
  std::istringstream in(text);
  std::string declared;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# HELP ", 0) == 0) {
      declared = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      INFO(line);
      CHECK(name == declared);
      CHECK(typed.insert(name).second);
      const std::string type = line.substr(line.rfind(' ') + 1);
      CHECK((type == "gauge" || type == "counter"));
      if (type == "counter") CHECK(name.size() > 6);
      if (type == "counter") CHECK(name.compare(name.size() - 6, 6, "_total") == 0);
      continue;
    }
    const std::string name = line.substr(0, line.find_first_of("{ "));
    INFO(line);
    CHECK(name == declared);
  }
  CHECK(typed.count("edgebridge_device_polls_failed_total") == 1);
}

TEST_CASE("label values are escaped and device metric names made valid", "[observe][metrics]") {
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_label_value("a\"b") == "a\\\"b");
  CHECK(escape_label_value("back\\slash") == "back\\\\slash");
  CHECK(escape_label_value("two\nlines") == "two\\nlines");

  GatewaySnapshot s = sample_snapshot();
  s.rules.front().rule = "say \"hi\"\n";
  const std::string text = render_metrics(s);
  CHECK(has_line(text, "edgebridge_rule_fired_total{rule=\"say \\\"hi\\\"\\n\"} 1"));

  CHECK(device_metric_name("polls_ok").name == "edgebridge_device_polls_ok_total");
  CHECK_FALSE(device_metric_name("polls_ok").gauge);
  CHECK(device_metric_name("online").gauge);
  const auto latency = device_metric_name("poll_latency_ms");
  CHECK(latency.name == "edgebridge_device_poll_latency_seconds");
  CHECK(latency.gauge);
  CHECK(latency.scale == Approx(0.001));
  CHECK(device_metric_name("Bad-Name.x").name == "edgebridge_device_bad_name_x_total");
}

TEST_CASE("the stats JSON holds links, outbox, counters, devices and rules", "[observe][stats]") {
  const auto j = stats_json(sample_snapshot());
  CHECK(j["gateway"] == "greenhouse-1");
  CHECK(j["uptime_s"] == 90);
  CHECK(j["healthy"] == false);
  CHECK(j["local"]["state"] == "connected");
  CHECK(j["remotes"]["ops"]["state"] == "backoff");
  CHECK(j["remotes"]["ops"]["since"] == "2023-11-14T22:14:20.000Z");
  CHECK(j["remotes"]["ops"]["down_since"] == "2023-11-14T22:14:20.000Z");
  CHECK(j["remotes"]["ops"]["outbox"]["depth"] == 12);
  CHECK(j["remotes"]["ops"]["outbox"]["oldest_age_s"] == 30.5);
  CHECK(j["remotes"]["ops"]["outbox"]["forwarded"] == 100);
  CHECK(j["remotes"]["ops"]["outbox"]["dropped"]["ttl_expired"] == 3);
  CHECK(j["messages"]["received"]["local"] == 110);
  CHECK(j["devices"]["lux1"]["type"] == "modbus_tcp");
  CHECK(j["devices"]["lux1"]["polls_ok"] == 40);
  CHECK(j["rules"]["too_bright"]["holding"] == true);
  CHECK(j["rules"]["too_bright"]["last_fired"] == "2023-11-14T22:13:30.000Z");
  CHECK(j["rules"]["too_bright"]["for_s"] == 900.0);
  CHECK(j["rules"]["too_bright"]["holding_since"] == "2023-11-14T22:13:50.000Z");
  CHECK(j["rules"]["too_bright"]["fires_in_s"] == 840.0);  // began 60 s before the snapshot
  CHECK(j["dead_letters"]["newest"].empty());

  const std::string text = format_status(j);
  INFO(text);
  CHECK(text.find("ops             backoff") != std::string::npos);
  CHECK(text.find("dropped ttl_expired") != std::string::npos);
  CHECK(text.find("lux1") != std::string::npos);
  CHECK(text.find("too_bright") != std::string::npos);
}

TEST_CASE("the stats JSON lists the newest dead letters with their topic, never a payload", "[observe][stats]") {
  GatewaySnapshot s = sample_snapshot();
  s.newest_dead_letters.push_back(
      {"ops", "sensors/<script>x</script>", "not_authorized", "PUBACK 0x87", s.started_at + 80s});
  RuleMetrics plain;
  plain.rule = "every_reading";
  s.rules.push_back(plain);
  const auto j = stats_json(s);
  REQUIRE(j["dead_letters"]["newest"].size() == 1);
  const auto& d = j["dead_letters"]["newest"][0];
  CHECK(d["topic"] == "sensors/<script>x</script>");
  CHECK(d["reason"] == "not_authorized");
  CHECK(d["failed_at"] == "2023-11-14T22:14:40.000Z");
  CHECK_FALSE(d.contains("payload"));
  CHECK(j["rules"]["every_reading"]["last_fired"].is_null());
  CHECK(j["rules"]["every_reading"]["for_s"].is_null());
  CHECK(j["rules"]["every_reading"]["fires_in_s"].is_null());
}

TEST_CASE("a remote is healthy while connected or within its grace, and says since when it is down",
          "[observe][health]") {
  const Clock::time_point start(1'700'000'000s);
  HealthTracker tracker(Duration(2000), start);
  LinkStatus down;
  down.state = LinkState::connecting;

  SECTION("never connected: the grace counts from the start") {
    CHECK(tracker.observe({{"ops", down}}, start + 1s).healthy);
    const auto verdict = tracker.observe({{"ops", down}}, start + 3s);
    CHECK_FALSE(verdict.healthy);
    CHECK(verdict.text.find("remote ops: connecting, down since 2023-11-14 22:13:20 UTC (3s ago)") != std::string::npos);
    CHECK(verdict.text.find("longer than the grace of 2s") != std::string::npos);
  }
  SECTION("a disconnect starts a new grace; a reconnect ends it") {
    LinkStatus up;
    up.state = LinkState::connected;
    up.connects = 1;
    CHECK(tracker.observe({{"ops", up}}, start + 10s).healthy);
    LinkStatus lost;
    lost.state = LinkState::backoff;
    lost.connects = 1;
    lost.since = start + 10500ms;
    lost.last_error = "connection lost";
    auto verdict = tracker.observe({{"ops", lost}}, start + 11s);
    CHECK(verdict.healthy);
    CHECK(verdict.text.find("within the grace") != std::string::npos);
    lost.state = LinkState::connecting;  // its since moves on; the outage does not
    lost.since = start + 12s;
    verdict = tracker.observe({{"ops", lost}}, start + 13s);
    CHECK_FALSE(verdict.healthy);
    REQUIRE(verdict.remotes.front().down_since);
    CHECK(*verdict.remotes.front().down_since == start + 10500ms);
    CHECK(verdict.text.find("last error: connection lost") != std::string::npos);
    up.connects = 2;
    CHECK(tracker.observe({{"ops", up}}, start + 14s).healthy);
  }
  SECTION("a reconnect and a new drop between two looks start a new grace") {
    LinkStatus lost = down;
    lost.connects = 0;
    CHECK(tracker.observe({{"ops", lost}}, start + 1s).healthy);
    lost.connects = 1;  // was up in between
    lost.since = start + 9s;
    CHECK(tracker.observe({{"ops", lost}}, start + 10s).healthy);
  }
}
