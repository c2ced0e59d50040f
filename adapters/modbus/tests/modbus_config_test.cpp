// Reading modbus_rtu and modbus_tcp entries: the short common case gets every
// default, devices on one line share it, and mistakes point at line and column.
#include <catch2/catch.hpp>

#include "loader/loader.hpp"
#include "modbus/modbus_kind.hpp"
#include "modbus/modbus_settings.hpp"

using namespace edgebridge;
using namespace edgebridge::modbus;

namespace {

LoadResult load(const std::string& yaml) {
  LoadOptions options;
  options.default_gateway_id = "test";
  return load_config_text(yaml, "bridge.yaml", DeviceCatalog{modbus::rtu_kind(), modbus::tcp_kind()}, options);
}

const ModbusSettings& settings_of(const Config& c, std::size_t i) {
  return dynamic_cast<const ModbusSettings&>(*c.devices.at(i).settings);
}

}  // namespace

TEST_CASE("a short RTU entry gets the documented defaults", "[modbus][config]") {
  auto r = load(R"(
devices:
  - name: lux1
    type: modbus_rtu
    port: /dev/ttyUSB0
    topic: sensors/lux1
    registers:
      - { name: lux, table: input, address: 0, type: float32 }
      - { name: temperature, address: 10, type: int16, scale: 0.1, unit: "°C" }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& d = r.config->devices[0];
  const auto& s = settings_of(*r.config, 0);
  CHECK(s.bus.serial.baud == 9600);
  CHECK(s.bus.serial.parity == 'N');
  CHECK(s.bus.serial.data_bits == 8);
  CHECK(s.bus.serial.stop_bits == 1);
  CHECK_FALSE(s.bus.serial.rs485);
  CHECK(s.unit_id == 1);
  CHECK(s.poll == Duration(10'000));
  CHECK(s.timeout == Duration(1000));
  CHECK(s.retries == 1);
  CHECK(s.frame_gap == Duration(5));  // 3.5 characters at 9600 8N1 is 3.6 ms; at least 5 ms
  CHECK(s.offline_after == 3);
  CHECK(s.command_ttl == Duration(30'000));
  CHECK(s.registers[0].order == "ABCD");
  CHECK(s.registers[1].table == Table::holding);
  CHECK(s.registers[1].unit == "°C");
  CHECK(s.plan.size() == 2);
  CHECK(s.errors_topic == "sensors/lux1/error");
  CHECK(s.status_topic == "sensors/lux1/status");
  CHECK(s.command_topic == "sensors/lux1/set");
  CHECK(s.result_topic == "sensors/lux1/set/result");
  CHECK(d.command_filters == std::vector<std::string>{"sensors/lux1/set"});
  CHECK(s.output.json);
  CHECK_FALSE(s.output.per_register);
  CHECK(s.output.qos == 1);
}

TEST_CASE("a TCP entry needs only host, topic and registers", "[modbus][config]") {
  auto r = load(R"(
devices:
  - name: meter
    type: modbus_tcp
    host: 192.0.2.7
    topic: sensors/meter
    unit_id: 255
    errors_topic: alarms/meter
    registers: [ { name: power, table: input, address: 0, type: float32, order: CDAB } ]
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& s = settings_of(*r.config, 0);
  CHECK(s.bus.tcp.port == 502);
  CHECK(s.bus.key() == "tcp:192.0.2.7:502");
  CHECK(s.unit_id == 255);
  CHECK(s.frame_gap == Duration(0));
  CHECK(s.errors_topic == "alarms/meter");
  CHECK(s.registers[0].order == "CDAB");
}

TEST_CASE("devices on one serial line must agree on its settings", "[modbus][config]") {
  auto r = load(R"(
devices:
  - name: a
    type: modbus_rtu
    port: /dev/ttyUSB0
    serial: { baud: 9600 }
    topic: s/a
    registers: [ { name: x, address: 0 } ]
  - name: b
    type: modbus_rtu
    port: /dev/ttyUSB0
    serial: { baud: 19200 }
    unit_id: 2
    topic: s/b
    registers: [ { name: x, address: 0 } ]
  - name: c
    type: modbus_rtu
    port: /dev/ttyUSB1
    serial: { baud: 19200 }
    topic: s/c
    registers: [ { name: x, address: 0 } ]
)");
  const auto text = r.diagnostics.format_all();
  INFO(text);
  CHECK_FALSE(r.config);
  CHECK(r.diagnostics.error_count() == 1);
  CHECK(text.find("bridge.yaml:12:13: error: devices[1].serial: shares /dev/ttyUSB0 with \"a\" (line 3)") !=
        std::string::npos);
  CHECK(text.find("/dev/ttyUSB0 19200 8N1 here, /dev/ttyUSB0 9600 8N1 there") != std::string::npos);
}

TEST_CASE("the same unit on one bus twice is a warning, not an error", "[modbus][config]") {
  auto r = load(R"(
devices:
  - { name: a, type: modbus_tcp, host: 10.0.0.1, topic: s/a, registers: [ { name: x, address: 0 } ] }
  - { name: b, type: modbus_tcp, host: 10.0.0.1, topic: s/b, registers: [ { name: y, address: 1 } ] }
)");
  REQUIRE(r.config);
  CHECK(r.diagnostics.format_all().find("warning: devices[1].unit_id: unit 1 on 10.0.0.1:502 is also device \"a\"") !=
        std::string::npos);
}

TEST_CASE("a poll interval that needs more than the line can carry is refused", "[modbus][config]") {
  // 3 requests of 125 registers at 1200 baud take about 2.3 s each.
  std::string yaml = R"(
devices:
  - name: slow
    type: modbus_rtu
    port: /dev/ttyS0
    serial: { baud: 1200 }
    topic: s/slow
    poll: 5s
    registers:
      - { name: a, address: 0, type: string, length: 125 }
      - { name: b, address: 200, type: string, length: 125 }
      - { name: c, address: 400, type: string, length: 125 }
)";
  auto r = load(yaml);
  const auto text = r.diagnostics.format_all();
  INFO(text);
  CHECK_FALSE(r.config);
  CHECK(text.find("bridge.yaml:8:11: error: devices[0].poll: 5s is shorter than one poll of this device takes at "
                  "1200 baud: 3 request(s), about 6.7 s") != std::string::npos);
}

TEST_CASE("a timeout longer than the poll interval is a warning", "[modbus][config]") {
  auto r = load(R"(
devices:
  - { name: a, type: modbus_tcp, host: 10.0.0.1, topic: s/a, poll: 1s, timeout: 800ms, registers: [ { name: x, address: 0 } ] }
)");
  REQUIRE(r.config);
  CHECK(r.diagnostics.format_all().find("warning: devices[0].poll: 1s is shorter than a poll takes when the device "
                                        "does not answer (timeout 800ms × 2 attempts)") != std::string::npos);
}
