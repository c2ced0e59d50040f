// Write commands are checked against `writes:` before they reach the bus:
// unlisted registers, values out of range, wrong types, stale commands and
// malformed payloads are refused with a reason the sender can act on.
#include <catch2/catch.hpp>

#include "loader/loader.hpp"
#include "modbus/modbus_kind.hpp"
#include "modbus/modbus_settings.hpp"
#include "modbus/write_command.hpp"

using namespace edgebridge;
using namespace edgebridge::modbus;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"(
devices:
  - name: climate
    type: modbus_tcp
    host: 192.0.2.7
    topic: sensors/climate
    registers:
      - { name: temperature, table: input, address: 0, type: int16, scale: 0.1 }
      - { name: setpoint, address: 10, type: int16, scale: 0.1 }
      - { name: speed, address: 11, type: uint32 }
      - { name: limit, address: 13, type: float32, order: CDAB }
      - { name: mode, address: 20 }
      - { name: fan, table: coil, address: 0 }
      - { name: heater, table: coil, address: 1 }
    writes:
      - { register: setpoint, min: 5, max: 35 }
      - { register: speed, min: 0, max: 3000, ttl: 5s }
      - { register: limit, min: -10.5, max: 99.5, write_multiple: true }
      - { register: fan, values: [true, false] }
      - { register: heater, values: [false] }
)";

struct Fixture {
  Fixture() {
    LoadOptions options;
    options.default_gateway_id = "test";
    auto result = load_config_text(kConfig, "bridge.yaml", DeviceCatalog{modbus::rtu_kind(), modbus::tcp_kind()},
                                   options);
    INFO(result.diagnostics.format_all());
    REQUIRE(result.config);
    config = std::move(*result.config);
    settings = dynamic_cast<const ModbusSettings*>(config.devices.at(0).settings.get());
    REQUIRE(settings);
  }
  CheckedWrite payload(const std::string& text, WallClock::time_point received = WallClock::now()) const {
    return check_write_payload(*settings, text, received, WallClock::now());
  }
  Config config;
  const ModbusSettings* settings = nullptr;
};

}  // namespace

TEST_CASE("a write within limits becomes the words of its register", "[modbus][write]") {
  Fixture f;
  auto c = f.payload(R"({"register":"setpoint","value":21.5,"id":"abc"})");
  REQUIRE(c.verdict == Verdict::accepted);
  CHECK(c.command.address == 10);
  CHECK(c.command.words == std::vector<std::uint16_t>{215});
  CHECK_FALSE(c.command.multiple);
  CHECK(c.command.id == "abc");

  auto wide = f.payload(R"({"register":"speed","value":3000})");
  REQUIRE(wide.verdict == Verdict::accepted);
  CHECK(wide.command.words == std::vector<std::uint16_t>{0x0000, 3000});
  CHECK(wide.command.multiple);

  auto one_register_fc16 = f.payload(R"({"register":"limit","value":-10.5})");
  REQUIRE(one_register_fc16.verdict == Verdict::accepted);
  CHECK(one_register_fc16.command.words == std::vector<std::uint16_t>{0x0000, 0xC128});  // -10.5f = 0xC1280000

  auto fan = f.payload(R"({"register":"fan","value":true})");
  REQUIRE(fan.verdict == Verdict::accepted);
  CHECK(fan.command.table == Table::coil);
  CHECK(fan.command.coil);
}

TEST_CASE("values outside min and max are refused with the allowed range", "[modbus][write]") {
  Fixture f;
  auto high = f.payload(R"({"register":"setpoint","value":99})");
  CHECK(high.verdict == Verdict::rejected);
  CHECK(high.why == "99 is outside the allowed range 5 to 35 for \"setpoint\"");
  CHECK(f.payload(R"({"register":"setpoint","value":4.9})").verdict == Verdict::rejected);
  CHECK(f.payload(R"({"register":"setpoint","value":5})").verdict == Verdict::accepted);
  CHECK(f.payload(R"({"register":"setpoint","value":35})").verdict == Verdict::accepted);
}

TEST_CASE("registers not listed under writes are refused, naming the writable ones", "[modbus][write]") {
  Fixture f;
  auto readonly = f.payload(R"({"register":"temperature","value":20})");
  CHECK(readonly.verdict == Verdict::rejected);
  CHECK(readonly.why.find("\"temperature\" is not writable") != std::string::npos);
  CHECK(readonly.why.find("writable: setpoint, speed, limit, fan, heater") != std::string::npos);
  auto unknown = f.payload(R"({"register":"pump","value":1})");
  CHECK(unknown.verdict == Verdict::rejected);
  CHECK(unknown.why.find("no register \"pump\"") != std::string::npos);
  auto mode = f.payload(R"({"register":"mode","value":1})");
  CHECK(mode.verdict == Verdict::rejected);
}

TEST_CASE("a coil only takes the values its writes entry allows", "[modbus][write]") {
  Fixture f;
  CHECK(f.payload(R"({"register":"heater","value":false})").verdict == Verdict::accepted);
  auto on = f.payload(R"({"register":"heater","value":true})");
  CHECK(on.verdict == Verdict::rejected);
  CHECK(on.why.find("may not be set to true") != std::string::npos);
  CHECK(f.payload(R"({"register":"fan","value":1})").verdict == Verdict::accepted);
  CHECK(f.payload(R"({"register":"fan","value":"on"})").verdict == Verdict::rejected);
  CHECK(f.payload(R"({"register":"fan","value":2})").verdict == Verdict::rejected);
}

TEST_CASE("wrong value types and steps between register units are refused", "[modbus][write]") {
  Fixture f;
  CHECK(f.payload(R"({"register":"setpoint","value":"21.5"})").why.find("must be a number") != std::string::npos);
  CHECK(f.payload(R"({"register":"setpoint","value":true})").verdict == Verdict::rejected);
  auto step = f.payload(R"({"register":"setpoint","value":21.55})");
  CHECK(step.verdict == Verdict::rejected);
  CHECK(step.why.find("not a step") != std::string::npos);
  CHECK(f.payload(R"({"register":"speed","value":1.5})").verdict == Verdict::rejected);
}

TEST_CASE("malformed payloads are refused, never thrown", "[modbus][write]") {
  Fixture f;
  for (const char* bad : {"", "21.5", "[1,2]", "{", R"({"value":1})", R"({"register":5,"value":1})",
                          R"({"register":"setpoint"})", R"({"register":"setpoint","value":20,"unit":"F"})", "\xff\xfe",
                          R"({"register":"setpoint","value":20,"ts":"yesterday"})"}) {
    INFO(bad);
    auto c = f.payload(bad);
    CHECK(c.verdict == Verdict::rejected);
    CHECK_FALSE(c.why.empty());
  }
}

TEST_CASE("a command older than its ttl expires instead of running late", "[modbus][write]") {
  Fixture f;
  const auto now = WallClock::now();
  // No "ts": the age counts from when the gateway received it (default ttl 30s).
  CHECK(f.payload(R"({"register":"setpoint","value":20})", now - 31s).verdict == Verdict::expired);
  CHECK(f.payload(R"({"register":"setpoint","value":20})", now - 29s).verdict == Verdict::accepted);
  // A "ts" in the payload wins over the receive time; per-register ttl 5s for speed.
  const auto old_ms = std::chrono::duration_cast<std::chrono::milliseconds>((now - 6s).time_since_epoch()).count();
  auto speed = f.payload(R"({"register":"speed","value":10,"ts":)" + std::to_string(old_ms) + "}");
  CHECK(speed.verdict == Verdict::expired);
  CHECK(speed.why.find("ttl of 5s") != std::string::npos);
  auto fresh = f.payload(R"({"register":"speed","value":10,"ts":")" + format_rfc3339_ms(now - 1s) + "\"}", now - 60s);
  CHECK(fresh.verdict == Verdict::accepted);
  auto future = f.payload(R"({"register":"setpoint","value":20,"ts":"2999-01-01T00:00:00Z"})");
  CHECK(future.verdict == Verdict::rejected);
}

TEST_CASE("rules write by register name with the value as arguments", "[modbus][write]") {
  Fixture f;
  const auto now = WallClock::now();
  CHECK(check_write(*f.settings, "setpoint", 22, now, now).verdict == Verdict::accepted);
  CHECK(check_write(*f.settings, "setpoint", nlohmann::json{{"value", 22}}, now, now).verdict == Verdict::accepted);
  CHECK(check_write(*f.settings, "setpoint", nullptr, now, now).verdict == Verdict::rejected);
  CHECK(check_write(*f.settings, "temperature", 22, now, now).verdict == Verdict::rejected);
}

TEST_CASE("the result reply names device, register, status and reason", "[modbus][write]") {
  auto text = result_payload("climate", "setpoint", 99, "abc", "rejected", "out of range",
                             WallClock::time_point(std::chrono::milliseconds(1767225600000)));
  CHECK(
      text ==
      R"({"ts":"2026-01-01T00:00:00.000Z","device":"climate","register":"setpoint","value":99,"id":"abc","status":"rejected","error":"out of range"})");
}
