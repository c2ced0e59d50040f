// The device endpoint's own bookkeeping, with a bus whose TCP endpoint refuses
// connections (a real outcome, no peer needed): commands are answered and
// counted before any I/O, a device that cannot be reached is reported and
// marked offline, and stop() is safe at any time.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "core/timestamps.hpp"
#include "loader/loader.hpp"
#include "modbus/modbus_kind.hpp"
#include "recording_ingress.hpp"

using namespace edgebridge;
using edgebridge::test::RecordingIngress;
using namespace std::chrono_literals;

namespace {

double metric(const DeviceEndpoint& d, const std::string& name) {
  for (const auto& [n, v] : d.metrics())
    if (n == name) return v;
  FAIL("no metric " << name);
  return -1;
}

Config load(const std::string& yaml) {
  LoadOptions options;
  options.default_gateway_id = "test";
  auto r = load_config_text(yaml, "bridge.yaml", DeviceCatalog{modbus::rtu_kind(), modbus::tcp_kind()}, options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  return std::move(*r.config);
}

std::unique_ptr<DeviceEndpoint> create(const DeviceCatalog& catalog, const DeviceConfig& d) {
  for (const auto& kind : catalog)
    if (kind->type() == d.type) return kind->create(d);
  return nullptr;
}

// Port 1 on loopback: nothing listens there, the connection is refused at once.
const char* kUnreachable = R"(
devices:
  - name: meter
    type: modbus_tcp
    host: 127.0.0.1
    port: 1
    topic: sensors/meter
    poll: 100ms
    registers:
      - { name: power, table: input, address: 0, type: float32 }
      - { name: setpoint, address: 10 }
    writes:
      - { register: setpoint, min: 0, max: 100 }
)";

}  // namespace

TEST_CASE("an unreachable device is reported, marked offline and counted", "[modbus][device]") {
  const auto catalog = DeviceCatalog{modbus::rtu_kind(), modbus::tcp_kind()};
  Config config = load(kUnreachable);
  auto device = create(catalog, config.devices[0]);
  REQUIRE(device);
  RecordingIngress ingress;
  device->start(ingress);
  auto status = ingress.wait_for("sensors/meter/status", 1);
  REQUIRE(status.size() == 1);
  CHECK(status[0].payload == "offline");
  CHECK(status[0].retain);
  auto errors = ingress.wait_for("sensors/meter/error", 1);
  REQUIRE(!errors.empty());
  auto error = nlohmann::json::parse(errors[0].payload);
  CHECK(error["kind"] == "link_down");
  CHECK(error["registers"] == nlohmann::json::array({"power", "setpoint"}));
  CHECK(error["error"].get<std::string>().find("127.0.0.1:1 is not connected: Connection refused") !=
        std::string::npos);
  auto meta = ingress.wait_for("sensors/meter/meta", 1);
  REQUIRE(meta.size() == 1);
  CHECK(nlohmann::json::parse(meta[0].payload)["registers"]["setpoint"]["write"] ==
        nlohmann::json{{"min", 0.0}, {"max", 100.0}});
  device->stop();
  CHECK(metric(*device, "polls_failed") >= 1);
  CHECK(metric(*device, "polls_ok") == 0);
  CHECK(metric(*device, "online") == 0);
  CHECK(ingress.wait_for("sensors/meter", 0).empty());
  device->stop();  // twice is fine
}

TEST_CASE("commands are answered on the result topic and counted before any I/O", "[modbus][device]") {
  const auto catalog = DeviceCatalog{modbus::rtu_kind(), modbus::tcp_kind()};
  Config config = load(kUnreachable);
  auto device = create(catalog, config.devices[0]);
  RecordingIngress ingress;
  device->start(ingress);

  Message refused;
  refused.topic = "sensors/meter/set";
  refused.payload = R"({"register":"power","value":5})";
  refused.received_at = WallClock::now();
  CHECK(device->command(refused) == Delivery::error);

  Message stale = refused;
  stale.payload = R"({"register":"setpoint","value":5})";
  stale.received_at = WallClock::now() - 31s;
  CHECK(device->command(stale) == Delivery::error);

  Message retained = refused;
  retained.payload = R"({"register":"setpoint","value":5})";
  retained.retain = true;
  CHECK(device->command(retained) == Delivery::error);

  std::string why;
  CHECK(device->invoke("setpoint", 500, why) == Delivery::error);
  CHECK(why.find("outside the allowed range 0 to 100") != std::string::npos);
  // Accepted and queued; it fails on the bus because the device cannot be reached.
  CHECK(device->invoke("setpoint", 50, why) == Delivery::ok);

  auto results = ingress.wait_for("sensors/meter/set/result", 5);
  REQUIRE(results.size() == 5);
  std::map<std::string, int> statuses;
  for (const auto& m : results) ++statuses[nlohmann::json::parse(m.payload)["status"].get<std::string>()];
  CHECK(statuses == std::map<std::string, int>{{"rejected", 3}, {"expired", 1}, {"failed", 1}});
  device->stop();
  CHECK(metric(*device, "commands_rejected") == 3);
  CHECK(metric(*device, "commands_expired") == 1);
  CHECK(metric(*device, "commands_failed") == 1);
  CHECK(metric(*device, "commands_ok") == 0);
}

TEST_CASE("a device that was never started stops and is destroyed cleanly", "[modbus][device]") {
  const auto catalog = DeviceCatalog{modbus::rtu_kind(), modbus::tcp_kind()};
  Config config = load(kUnreachable);
  auto device = create(catalog, config.devices[0]);
  std::string why;
  CHECK(device->invoke("setpoint", 50, why) == Delivery::retry);
  CHECK(why == "the device is not running");
  device->stop();
  device.reset();
}
