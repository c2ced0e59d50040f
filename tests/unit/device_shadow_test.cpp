// One device's shadow as a state machine: what it asks the shadow service,
// what it reports, and what a delta makes the device do. The shadow service
// is played by the test (its answers as the AWS IoT Developer Guide describes
// them); the device's commands are recorded.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "loader/loader.hpp"
#include "shadow/device_shadow.hpp"

using namespace edgebridge;
using Json = nlohmann::json;
using Clock = DeviceShadow::Clock;

namespace {

const char* const kConfig = R"(
gateway: { id: gw1 }
remotes:
  ops: { url: "mqtts://example.com", tls: { ca_file: /etc/ssl/ca.pem } }
devices:
  - name: climate1
    type: modbus_tcp
    host: 192.0.2.20
    topic: sensors/climate1
    registers:
      - { name: temperature, table: input, address: 0, type: int16, scale: 0.1, deadband: 0.5 }
      - { name: setpoint, table: holding, address: 10, type: int16, scale: 0.1 }
      - { name: fan, table: coil, address: 0 }
    writes:
      - { register: setpoint, min: 5, max: 30 }
    shadow:
      desired: [setpoint]
      report_interval: 10s
  - name: shade
    type: ir_tcp
    host: 192.0.2.10
    topic: cmd/shade
    codes:
      open: "sendir,1:1,1,38000,1,1,343,171,21,21"
      close: "sendir,1:1,2,38000,1,1,343,171,21,64"
    shadow:
      name: shade
      desired: { shade: { open: open, closed: close } }
  - name: display
    type: serial_line
    port: /dev/ttyUSB1
    topic: sensors/display
    parser: raw
    writable: true
    write_allow: ["MODE ECO", "MODE COMFORT"]
    shadow:
      desired: { mode: { eco: "MODE ECO", comfort: "MODE COMFORT" } }
)";

Config load() {
  LoadOptions options;
  options.check_files = false;
  auto r = load_config_text(kConfig, "bridge.yaml", device_catalog(), options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  return *r.config;
}

struct Invocation {
  std::string command;
  Json args;
};

// A shadow with a recording device behind it, and the service's side.
struct Harness {
  Config config = load();
  std::vector<Invocation> invoked;
  Delivery answer = Delivery::ok;
  std::string refusal;
  Clock::time_point now = Clock::time_point(std::chrono::hours(1));
  std::unique_ptr<DeviceShadow> shadow;
  std::string prefix;

  explicit Harness(const std::string& device = "climate1") {
    const auto* d = config.find_device(device);
    REQUIRE(d);
    REQUIRE(d->shadow);
    prefix = d->shadow->topic_prefix();
    shadow = std::make_unique<DeviceShadow>(
        d->shadow,
        [this](const std::string& command, const Json& args, std::string& why) {
          invoked.push_back({command, args});
          why = refusal;
          return answer;
        },
        "t-");
  }

  void advance(std::chrono::milliseconds d) { now += d; }

  void reading(const Json& values, const std::string& topic = "sensors/climate1") {
    Message m;
    m.topic = topic;
    m.payload = values.dump();
    shadow->on_device_message(m, now);
  }

  void device_result(const Json& result, const std::string& topic = "sensors/climate1/set/result") {
    Message m;
    m.topic = topic;
    m.payload = result.dump();
    shadow->on_device_message(m, now);
  }

  bool cloud(const std::string& suffix, const Json& doc) {
    Message m;
    m.topic = prefix + suffix;
    m.payload = doc.dump();
    return shadow->on_cloud_message(m, now);
  }

  // The request due now (fails the test when there is none).
  std::pair<std::string, Json> request() {
    auto r = shadow->next_request(now);
    REQUIRE(r);
    return {r->topic, Json::parse(r->payload)};
  }

  // Connects and answers the /get: 404, or the given document.
  void connect(const Json& document = nullptr) {
    shadow->on_connected(now);
    auto [topic, get] = request();
    REQUIRE(topic == prefix + "/get");
    if (document.is_null()) {
      cloud("/get/rejected", {{"code", 404},
                              {"message", "No shadow exists with name: 'gw1-climate1'"},
                              {"clientToken", get["clientToken"]}});
    } else {
      Json doc = document;
      doc["clientToken"] = get["clientToken"];
      cloud("/get/accepted", doc);
    }
  }

  // Takes the next update, answers it as accepted and returns its reported state.
  Json accept_update(std::int64_t version) {
    auto [topic, update] = request();
    REQUIRE(topic == prefix + "/update");
    Json accepted = {{"state", update["state"]},
                     {"version", version},
                     {"timestamp", 1700000000},
                     {"clientToken", update["clientToken"]}};
    cloud("/update/accepted", accepted);
    return update["state"]["reported"];
  }
};

}  // namespace

TEST_CASE("a shadow that does not exist yet is created with every reading", "[shadow]") {
  Harness h;
  h.reading({{"ts", "2026-01-01T00:00:00Z"}, {"temperature", 21.4}, {"setpoint", 21.0}, {"fan", false}});
  h.connect();  // 404
  const Json reported = h.accept_update(1);
  CHECK(reported == Json{{"temperature", 21.4}, {"setpoint", 21.0}, {"fan", false}});
  CHECK_FALSE(h.shadow->next_request(h.now));
  CHECK(h.shadow->record().pending.empty());
}

TEST_CASE("readings while the remote is down coalesce into one update with the latest value of each key", "[shadow]") {
  Harness h;
  h.reading({{"temperature", 20.0}, {"setpoint", 21.0}, {"fan", false}});
  for (int i = 1; i <= 15; ++i) {
    h.advance(std::chrono::seconds(2));
    h.reading({{"temperature", 20.0 + i}, {"setpoint", 21.0}, {"fan", false}});
  }
  CHECK_FALSE(h.shadow->next_request(h.now));  // not connected: nothing to send
  const ShadowRecord saved = h.shadow->record();
  CHECK(saved.reported["temperature"] == 35.0);
  CHECK(saved.pending.size() == 3);

  h.connect({{"state", {{"reported", {{"temperature", 19.0}, {"setpoint", 21.0}, {"fan", false}}}}}, {"version", 7}});
  const Json reported = h.accept_update(8);
  CHECK(reported == Json{{"temperature", 35.0}});  // only what the cloud lacks, once, the latest value
  CHECK_FALSE(h.shadow->next_request(h.now));
}

TEST_CASE("a change within the deadband is not reported; the report interval spaces updates", "[shadow]") {
  Harness h;
  h.reading({{"temperature", 20.0}});
  h.connect();
  h.accept_update(1);
  h.advance(std::chrono::seconds(1));
  h.reading({{"temperature", 20.4}});  // deadband 0.5
  CHECK_FALSE(h.shadow->next_request(h.now));
  h.reading({{"temperature", 20.6}});
  CHECK_FALSE(h.shadow->next_request(h.now));  // within report_interval (10s) of the last update
  REQUIRE(h.shadow->next_wake());
  CHECK(*h.shadow->next_wake() == h.now + std::chrono::seconds(9));
  h.advance(std::chrono::seconds(9));
  h.reading({{"temperature", 21.2}});
  CHECK(h.accept_update(2) == Json{{"temperature", 21.2}});
}

TEST_CASE("a desired value within range is written with the command's checks and reported as read back", "[shadow]") {
  Harness h;
  h.reading({{"temperature", 20.0}, {"setpoint", 21.0}, {"fan", false}});
  h.connect();
  h.accept_update(1);
  REQUIRE(h.cloud("/update/delta", {{"state", {{"setpoint", 22.5}}},
                                    {"metadata", {{"setpoint", {{"timestamp", 1700000100}}}}},
                                    {"version", 2}}));
  REQUIRE(h.invoked.size() == 1);
  CHECK(h.invoked[0].command == "setpoint");
  CHECK(h.invoked[0].args["value"] == 22.5);
  const Json id = h.invoked[0].args["id"];
  h.device_result({{"register", "setpoint"}, {"value", 22.5}, {"id", id}, {"status", "ok"}, {"read_back", 22.5}});
  CHECK(h.accept_update(3) == Json{{"setpoint", 22.5}});  // at once, whatever the interval
  CHECK(h.shadow->delta_view().empty());
  CHECK(h.shadow->counters().desired_applied == 1);
}

TEST_CASE("a desired value the checks refuse is not written and is explained under errors", "[shadow]") {
  Harness h;
  h.reading({{"setpoint", 21.0}});
  h.connect();
  h.accept_update(1);
  h.answer = Delivery::error;
  h.refusal = "35 is outside the allowed range 5 to 30 for \"setpoint\"";
  h.cloud("/update/delta", {{"state", {{"setpoint", 35}}}, {"version", 2}});
  REQUIRE(h.invoked.size() == 1);  // the device's own checks decided
  const Json reported = h.accept_update(3);
  CHECK(reported == Json{{"errors", {{"setpoint", "35 is outside the allowed range 5 to 30 for \"setpoint\""}}}});
  CHECK(h.shadow->reported_view()["errors"]["setpoint"].is_string());

  // A valid value later clears the error.
  h.answer = Delivery::ok;
  h.refusal.clear();
  h.cloud("/update/delta", {{"state", {{"setpoint", 25}}}, {"version", 4}});
  h.device_result({{"id", h.invoked.back().args["id"]}, {"status", "ok"}, {"read_back", 25.0}});
  CHECK(h.accept_update(5) == Json{{"setpoint", 25}, {"errors", {{"setpoint", nullptr}}}});
  CHECK_FALSE(h.shadow->reported_view().contains("errors"));
}

TEST_CASE("a key the shadow does not accept is explained, never passed to the device", "[shadow]") {
  Harness h;
  h.connect();
  h.cloud("/update/delta", {{"state", {{"fan", true}}}, {"version", 2}});
  CHECK(h.invoked.empty());
  const Json reported = h.accept_update(3);
  CHECK(reported["errors"]["fan"] == "not accepted: the shadow of climate1 takes desired setpoint");
}

TEST_CASE("a delta no newer than the last one applied is ignored", "[shadow]") {
  Harness h;
  h.connect();
  h.cloud("/update/delta", {{"state", {{"setpoint", 22}}}, {"version", 5}});
  REQUIRE(h.invoked.size() == 1);
  h.cloud("/update/delta", {{"state", {{"setpoint", 23}}}, {"version", 4}});
  h.cloud("/update/delta", {{"state", {{"setpoint", 24}}}, {"version", 5}});
  CHECK(h.invoked.size() == 1);
  CHECK(h.shadow->counters().deltas_stale == 2);
  h.cloud("/update/delta", {{"state", {{"setpoint", 24}}}, {"version", 6}});
  CHECK(h.invoked.size() == 2);
}

TEST_CASE("the same desired value is carried out once, even when the cloud repeats it", "[shadow]") {
  Harness h;
  h.connect();
  h.cloud("/update/delta",
          {{"state", {{"setpoint", 22}}}, {"metadata", {{"setpoint", {{"timestamp", 100}}}}}, {"version", 5}});
  // A reconnect: the /get carries the same delta.
  h.shadow->on_disconnected();
  h.connect({{"state", {{"desired", {{"setpoint", 22}}}, {"delta", {{"setpoint", 22}}}}},
             {"metadata", {{"desired", {{"setpoint", {{"timestamp", 100}}}}}}},
             {"version", 5}});
  CHECK(h.invoked.size() == 1);
  // Set again by the application (a new timestamp): carried out again.
  h.cloud("/update/delta",
          {{"state", {{"setpoint", 22}}}, {"metadata", {{"setpoint", {{"timestamp", 200}}}}}, {"version", 6}});
  CHECK(h.invoked.size() == 2);
}

TEST_CASE("desired changes made while the gateway was away are carried out from the /get answer", "[shadow]") {
  Harness h;
  h.reading({{"setpoint", 21.0}});
  h.connect({{"state",
              {{"desired", {{"setpoint", 19.5}}}, {"reported", {{"setpoint", 21.0}}}, {"delta", {{"setpoint", 19.5}}}}},
             {"version", 9}});
  REQUIRE(h.invoked.size() == 1);
  CHECK(h.invoked[0].args["value"] == 19.5);
  CHECK(h.shadow->desired_view() == Json{{"setpoint", 19.5}});
}

TEST_CASE("409 version conflict: get the shadow, then send the update again", "[shadow]") {
  Harness h;
  h.reading({{"temperature", 20.0}});
  h.connect();
  auto [topic, update] = h.request();
  h.cloud("/update/rejected", {{"code", 409}, {"message", "Version conflict"}, {"clientToken", update["clientToken"]}});
  auto [get_topic, get] = h.request();
  CHECK(get_topic == h.prefix + "/get");
  h.cloud("/get/accepted",
          {{"state", {{"reported", {{"temperature", 18.0}}}}}, {"version", 3}, {"clientToken", get["clientToken"]}});
  CHECK(h.accept_update(4) == Json{{"temperature", 20.0}});
}

TEST_CASE("400 and 413: what the service refused is not sent again; 429 waits and retries", "[shadow]") {
  Harness h;
  h.reading({{"temperature", 20.0}});
  h.connect();
  auto [t1, first] = h.request();
  h.cloud("/update/rejected", {{"code", 429}, {"message", "Too Many Requests"}, {"clientToken", first["clientToken"]}});
  CHECK_FALSE(h.shadow->next_request(h.now));
  h.advance(std::chrono::seconds(5));
  h.shadow->tick(h.now);
  auto [t2, second] = h.request();
  h.cloud("/update/rejected", {{"code", 400}, {"message", "Invalid JSON"}, {"clientToken", second["clientToken"]}});
  CHECK_FALSE(h.shadow->next_request(h.now));
  CHECK(h.shadow->record().pending.empty());
  CHECK(h.shadow->counters().updates_rejected == 2);
}

TEST_CASE("an unanswered request is asked again", "[shadow]") {
  Harness h;
  h.shadow->on_connected(h.now);
  auto [topic, get] = h.request();
  CHECK_FALSE(h.shadow->next_request(h.now));
  h.advance(DeviceShadow::kAnswerTimeout);
  h.shadow->tick(h.now);
  auto [again, get2] = h.request();
  CHECK(again == h.prefix + "/get");
  CHECK(get2["clientToken"] != get["clientToken"]);
  // A late answer to the first one is not taken for the second.
  h.cloud("/get/rejected", {{"code", 404}, {"clientToken", get["clientToken"]}});
  CHECK(h.shadow->waiting_for_answer());
}

TEST_CASE("answers meant for other clients are not taken for ours; their desired updates are", "[shadow]") {
  Harness h;
  h.connect();
  h.reading({{"temperature", 20.0}});
  h.request();  // the reported update, left unanswered
  h.cloud("/update/accepted", {{"state", {{"desired", {{"setpoint", 23}}}}}, {"version", 2}, {"clientToken", "app-1"}});
  CHECK(h.shadow->waiting_for_answer());
  CHECK(h.shadow->desired_view() == Json{{"setpoint", 23}});
}

TEST_CASE("an IR shade: desired closed plays close and is reported once the iTach completed it", "[shadow]") {
  Harness h("shade");
  CHECK(h.prefix == "$aws/things/gw1-shade/shadow/name/shade");
  h.connect();
  CHECK_FALSE(h.shadow->next_request(h.now));  // nothing to report yet
  h.cloud("/update/delta", {{"state", {{"shade", "closed"}}}, {"version", 1}});
  REQUIRE(h.invoked.size() == 1);
  CHECK(h.invoked[0].command == "close");
  CHECK(h.invoked[0].args.size() == 1);        // only the id
  CHECK_FALSE(h.shadow->next_request(h.now));  // not before completeir
  h.device_result({{"ok", true}, {"status", "ok"}, {"code", "close"}, {"id", h.invoked[0].args["id"]}},
                  "cmd/shade/result");
  CHECK(h.accept_update(2) == Json{{"shade", "closed"}});

  // hold/min_interval refusals come in the result and are explained.
  h.cloud("/update/delta", {{"state", {{"shade", "open"}}}, {"version", 3}});
  h.device_result({{"ok", false},
                   {"status", "refused"},
                   {"error", "min_interval"},
                   {"message", "refused: \"close\" was sent 2s ago"},
                   {"id", h.invoked[1].args["id"]}},
                  "cmd/shade/result");
  CHECK(h.accept_update(4) == Json{{"errors", {{"shade", "refused: \"close\" was sent 2s ago"}}}});

  // A value with no code is refused before the device.
  h.cloud("/update/delta", {{"state", {{"shade", "half"}}}, {"version", 5}});
  CHECK(h.invoked.size() == 2);

  // A rule's open (no id of ours) still tells the shade's state.
  h.device_result({{"ok", true}, {"status", "ok"}, {"code", "open"}}, "cmd/shade/result");
  const Json reported = h.accept_update(6);
  CHECK(reported["shade"] == "open");
}

TEST_CASE("a restart keeps what the cloud has not accepted yet", "[shadow]") {
  ShadowRecord saved;
  {
    Harness h;
    h.reading({{"temperature", 20.0}, {"setpoint", 21.0}});
    h.connect();
    h.accept_update(1);
    h.shadow->on_disconnected();
    h.reading({{"temperature", 25.0}, {"setpoint", 21.0}});
    saved = h.shadow->record();
  }
  CHECK(saved.pending == Json::array({"temperature"}));
  Harness after;
  after.shadow->restore(saved);
  after.connect({{"state", {{"reported", {{"temperature", 20.0}, {"setpoint", 21.0}}}}}, {"version", 1}});
  CHECK(after.accept_update(2) == Json{{"temperature", 25.0}});

  // A record of another thing is not taken.
  Harness other;
  ShadowRecord foreign = saved;
  foreign.thing = "someone-else";
  other.shadow->restore(foreign);
  CHECK(other.shadow->record().reported.empty());
}

TEST_CASE("per-register readings (output.per_register) are reported too", "[shadow]") {
  Harness h;
  h.reading(21.5, "sensors/climate1/setpoint");
  h.connect();
  CHECK(h.accept_update(1) == Json{{"setpoint", 21.5}});
}

TEST_CASE("a serial line device: a desired value writes its configured line, never the value itself", "[shadow]") {
  Harness h("display");
  h.reading({{"line", "T=21.5"}}, "sensors/display");
  h.connect();
  CHECK(h.accept_update(1) == Json{{"line", "T=21.5"}});
  h.cloud("/update/delta", {{"state", {{"mode", "eco"}}}, {"version", 2}});
  REQUIRE(h.invoked.size() == 1);
  CHECK(h.invoked[0].command == "write");
  CHECK(h.invoked[0].args["data"] == "MODE ECO");
  h.device_result({{"ok", true}, {"status", "ok"}, {"bytes", 10}, {"id", h.invoked[0].args["id"]}},
                  "sensors/display/write/result");
  CHECK(h.accept_update(3) == Json{{"mode", "eco"}});
  // Text that is not one of the configured values is never written.
  h.cloud("/update/delta", {{"state", {{"mode", "MODE ECO\r\nREBOOT"}}}, {"version", 4}});
  CHECK(h.invoked.size() == 1);
  CHECK(h.accept_update(5)["errors"]["mode"].get<std::string>().find("is not one of eco, comfort") !=
        std::string::npos);
}

TEST_CASE("a desired value that is not a plain value of a register is refused by the device's checks", "[shadow]") {
  // The shadow passes the value as it came; the Modbus checks (min/max, type)
  // decide, exactly as for a command on the command topic.
  Harness h;
  h.connect();
  h.answer = Delivery::error;
  h.refusal = "\"value\" must be a number for \"setpoint\"";
  h.cloud("/update/delta", {{"state", {{"setpoint", {{"nested", 1}}}}}, {"version", 2}});
  REQUIRE(h.invoked.size() == 1);
  CHECK(h.invoked[0].args["value"] == Json{{"nested", 1}});
  CHECK(h.accept_update(3)["errors"]["setpoint"] == "\"value\" must be a number for \"setpoint\"");
}
