// Deep and huge JSON on every surface that parses or echoes what comes from
// outside: Modbus write commands, IR commands, serial `json` lines, command
// timestamps (the /stats answer `edgebridge status` reads: status_text_test.cpp).
// Each is refused with a reason that names the bound (core/json_limits.hpp),
// and nothing a sender controls is echoed longer than kEchoLimit (core/echo.hpp).
#include <catch2/catch.hpp>

#include <string>

#include "catalog/catalog.hpp"
#include "core/echo.hpp"
#include "core/timestamps.hpp"
#include "ir_tcp/ir_request.hpp"
#include "loader/loader.hpp"
#include "modbus/modbus_settings.hpp"
#include "modbus/write_command.hpp"
#include "serial_line/line_parser.hpp"

using namespace edgebridge;
using namespace edgebridge::ir_tcp;
using namespace edgebridge::serial_line;

namespace {

const std::string kTooDeep = "the JSON nests arrays and objects more than 64 levels deep";

// Nested arrays (or objects), closed: valid JSON; 60,000 levels overflowed the
// stack when such a document was printed or copied.
std::string deep(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }
std::string deep_objects(std::size_t levels) {
  std::string out;
  for (std::size_t i = 0; i < levels; ++i) out += "{\"a\":";
  out += "1";
  return out + std::string(levels, '}');
}
// A command that is fine but for one string 300 KiB long.
std::string huge_command(const std::string& head) {
  return "{" + head + ",\"id\":\"" + std::string(300 * 1024, 'x') + "\"}";
}

const modbus::ModbusSettings& modbus_device(Config& holder) {
  LoadOptions options;
  options.default_gateway_id = "test";
  auto r = load_config_text(R"(
devices:
  - name: climate
    type: modbus_tcp
    host: 192.0.2.7
    topic: sensors/climate
    registers:
      - { name: setpoint, address: 10, type: int16, scale: 0.1 }
    writes:
      - { register: setpoint, min: 5, max: 35 }
)",
                            "bridge.yaml", device_catalog(), options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  holder = std::move(*r.config);
  return dynamic_cast<const modbus::ModbusSettings&>(*holder.devices.at(0).settings);
}

}  // namespace

TEST_CASE("a Modbus command too deep or too large is rejected with the bound it broke", "[bounds][modbus]") {
  Config config;
  const auto& device = modbus_device(config);
  const auto now = WallClock::now();
  for (const std::string& payload : {deep(60000), deep_objects(40000), "{\"register\":\"setpoint\",\"value\":" +
                                                                           deep(60000) + "}"}) {
    auto c = modbus::check_write_payload(device, payload, now, now);
    CHECK(c.verdict == modbus::Verdict::rejected);
    CHECK(c.why == "the payload was not parsed: " + kTooDeep + "; send {\"register\": \"<name>\", \"value\": <value>}");
  }
  auto huge = modbus::check_write_payload(device, huge_command("\"register\":\"setpoint\",\"value\":21.5"), now, now);
  CHECK(huge.verdict == modbus::Verdict::rejected);
  CHECK_THAT(huge.why,
             Catch::StartsWith("the payload was not parsed: the JSON is 307244 bytes, over the limit of 262144"));
  // 64 levels is within the bound: parsed, and rejected for what it says.
  const std::string at_limit_payload = "{\"register\":\"setpoint\",\"value\":" + deep(63) + "}";
  auto at_limit = modbus::check_write_payload(device, at_limit_payload, now, now);
  CHECK(at_limit.why == "\"value\" must be a number for \"setpoint\" (a int16)");
}

TEST_CASE("a Modbus result echoes what the sender sent within the echo limit", "[bounds][modbus]") {
  Config config;
  const auto& device = modbus_device(config);
  const auto now = WallClock::now();
  const std::string long_name(100 * 1024, 'r');  // within the parse bound, far over the echo limit
  const std::string payload = "{\"register\":\"" + long_name + "\",\"value\":\"" + std::string(100000, 'v') +
                              "\",\"id\":" + deep(60) + "}";
  auto c = modbus::check_write_payload(device, payload, now, now);
  CHECK(c.verdict == modbus::Verdict::rejected);
  CHECK(c.why == "no register \"" + std::string(128, 'r') +
                     "... [102400 bytes, cut at the echo limit of 128]\"; writable: setpoint");
  const std::string result = modbus::result_payload("climate", c.command.register_name, c.command.value, c.command.id,
                                                    "rejected", c.why, now);
  CHECK(result.size() < 1024);
  const auto j = nlohmann::json::parse(result);
  CHECK(j["register"] == std::string(128, 'r') + "... [102400 bytes, cut at the echo limit of 128]");
  CHECK(j["value"] == std::string(128, 'v') + "... [100000 bytes, cut at the echo limit of 128]");
  CHECK(j["id"].dump() == deep(60));  // 120 bytes: short enough to echo as it was

  auto key = modbus::check_write_payload(device, "{\"" + std::string(5000, 'k') + "\":1}", now, now);
  CHECK(key.why.size() < 300);
  CHECK_THAT(key.why, Catch::Contains("[5000 bytes, cut at the echo limit of 128]"));
}

TEST_CASE("an IR command too deep or too large is refused with the bound it broke", "[bounds][ir]") {
  auto refused = [](const std::string& payload) {
    Message m;
    m.payload = payload;
    m.received_at = WallClock::now();
    IrRefusal refusal;
    nlohmann::json id;
    CHECK_FALSE(parse_ir_payload(m, refusal, id));
    CHECK(refusal.error == "bad_payload");
    return refusal.message;
  };
  CHECK(refused(deep(60000)) ==
        "the payload was not parsed: " + kTooDeep + "; send a code name or {\"code\":\"close\"}");
  CHECK(refused(deep_objects(40000)) == refused(deep(60000)));
  CHECK(refused(std::string(60000, '[')) == refused(deep(60000)));  // unclosed: the depth decides first
  CHECK_THAT(refused(huge_command("\"code\":\"close\"")),
             Catch::StartsWith("the payload was not parsed: the JSON is 307224 bytes, over the limit of 262144"));
  const std::string bad_repeat = refused("{\"code\":\"close\",\"repeat\":\"" + std::string(200000, '2') + "\"}");
  CHECK(bad_repeat.size() < 300);
  CHECK_THAT(bad_repeat, Catch::Contains("cut at the echo limit of 128"));
  const std::string bad_ts = refused("{\"code\":\"close\",\"ts\":\"" + std::string(200000, '9') + "\"}");
  CHECK(bad_ts.size() < 300);
  CHECK_THAT(bad_ts, Catch::Contains("[200000 bytes, cut at the echo limit of 128]"));
}

TEST_CASE("an IR command's id is echoed within the echo limit", "[bounds][ir]") {
  Message m;
  m.payload = "{\"code\":\"close\",\"id\":\"" + std::string(100000, 'i') + "\"}";
  m.received_at = WallClock::now();
  IrRefusal refusal;
  nlohmann::json id;
  auto r = parse_ir_payload(m, refusal, id);
  REQUIRE(r);
  CHECK(r->request_id == std::string(128, 'i') + "... [100000 bytes, cut at the echo limit of 128]");
  CHECK(id == r->request_id);
}

TEST_CASE("a serial json line nested too deep is a bad line that names the bound", "[bounds][serial]") {
  auto parser = make_json_parser();
  // max_line is at most 65536: 30,000 levels closed, or 60,000 '[' unclosed, fit in one line.
  for (const std::string& line : {deep(30000), std::string(60000, '['), "{\"t\":" + deep_objects(20000) + "}"}) {
    LineResult r = parser->parse(line);
    CHECK(r.kind == LineResult::Kind::bad);
    CHECK(r.error == "parse");
    CHECK(r.message == "the line was not parsed: " + kTooDeep);
  }
  LineResult ok = parser->parse("{\"t\":" + deep(60) + "}");
  REQUIRE(ok.kind == LineResult::Kind::reading);
  CHECK(ok.value["t"].dump() == deep(60));
}

TEST_CASE("a command's ts that is not a time is quoted within the echo limit", "[bounds][timestamps]") {
  std::string why;
  nlohmann::json payload = {{"ts", std::string(100000, '7')}};
  CHECK_FALSE(command_issued_at(payload, WallClock::now(), why));
  CHECK(why == "\"ts\" \"" + std::string(128, '7') + "... [100000 bytes, cut at the echo limit of 128]\"" +
                   " is not an RFC 3339 time (e.g. 2026-03-01T12:00:00Z)");
}
