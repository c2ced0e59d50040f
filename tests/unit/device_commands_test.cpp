// Commands and rule actions reaching ir_tcp and serial_line devices, with a
// recording Ingress in place of the gateway and no device at the other end.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "catalog/catalog.hpp"
#include "config/device_kind.hpp"
#include "loader/loader.hpp"
#include "recording_ingress.hpp"

using namespace edgebridge;
using edgebridge::test::RecordingIngress;

namespace {

struct Loaded {
  DeviceCatalog catalog = device_catalog();
  Config config;
  std::unique_ptr<DeviceEndpoint> device;
};

std::unique_ptr<Loaded> load_device(const std::string& yaml) {
  auto l = std::make_unique<Loaded>();
  LoadOptions options;
  options.default_gateway_id = "unit-gw";
  auto r = load_config_text(yaml, "bridge.yaml", l->catalog, options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  l->config = std::move(*r.config);
  for (const auto& kind : l->catalog)
    if (kind->type() == l->config.devices[0].type) l->device = kind->create(l->config.devices[0]);
  REQUIRE(l->device);
  return l;
}

}  // namespace

TEST_CASE("an ir_tcp command that arrives before start waits for it", "[ir][device]") {
  auto l = load_device(R"(
devices:
  - { name: shade, type: ir_tcp, topic: cmd/shade, host: 127.0.0.1, port: 1, ttl: 1s,
      reconnect: { min: 1s, max: 1s }, codes: { close: "sendir,1:1,1,38000,1,1,343,171" } }
)");
  std::string why;
  CHECK(l->device->invoke("close", nullptr, why) == Delivery::ok);
  RecordingIngress ingress;
  l->device->start(ingress);
  auto results = ingress.wait("cmd/shade/result", 1);  // nothing listens on port 1: it expires
  REQUIRE(results.size() == 1);
  CHECK(results[0]["code"] == "close");
  CHECK(results[0]["status"] == "expired");
  l->device->stop();
  l->device->stop();  // twice is fine
}

TEST_CASE("stop is safe without start", "[ir][serial][device]") {
  auto ir = load_device(R"(
devices:
  - { name: shade, type: ir_tcp, topic: cmd/shade, host: 127.0.0.1, codes: { close: "sendir,1:1,1,38000,1,1,343,171" } }
)");
  ir->device->stop();
  auto serial = load_device(R"(
devices:
  - { name: scale, type: serial_line, topic: sensors/scale, port: /nonexistent/tty }
)");
  serial->device->stop();
}

TEST_CASE("a rule action for an unknown code is refused with the codes there are", "[ir][device]") {
  auto l = load_device(R"(
devices:
  - { name: shade, type: ir_tcp, topic: cmd/shade, host: 127.0.0.1, port: 1, ttl: 1s,
      reconnect: { min: 1s, max: 1s },
      codes: { close: "sendir,1:1,1,38000,1,1,343,171", open: "sendir,1:1,1,38000,1,1,343,172" } }
)");
  RecordingIngress ingress;
  l->device->start(ingress);
  std::string why;
  CHECK(l->device->invoke("fly", nullptr, why) == Delivery::error);
  CHECK_THAT(why, Catch::Contains("known codes: close, open"));
  CHECK(l->device->invoke("close", {{"speed", 2}}, why) == Delivery::error);
  auto results = ingress.wait("cmd/shade/result", 2);
  REQUIRE(results.size() == 2);
  CHECK(results[0]["error"] == "unknown_code");
  CHECK(results[0]["code"] == "fly");
  CHECK(results[1]["error"] == "bad_payload");
  l->device->stop();
}

TEST_CASE("a command waits for an unreachable iTach only until its ttl, then expires with the reason",
          "[ir][device]") {
  auto l = load_device(R"(
devices:
  - { name: shade, type: ir_tcp, topic: cmd/shade, host: 127.0.0.1, port: 1, ttl: 1s,
      reconnect: { min: 1s, max: 1s },
      codes: { close: "sendir,1:1,1,38000,1,1,343,171" } }
)");
  RecordingIngress ingress;
  l->device->start(ingress);
  std::string why;
  REQUIRE(l->device->invoke("close", {{"repeat", 2}}, why) == Delivery::ok);
  auto results = ingress.wait("cmd/shade/result", 1);
  REQUIRE(results.size() == 1);
  CHECK(results[0]["status"] == "expired");
  CHECK_THAT(results[0]["message"].get<std::string>(), Catch::Contains("Connection refused"));
  const auto metrics = l->device->metrics();
  CHECK(std::find(metrics.begin(), metrics.end(), std::make_pair(std::string("commands_expired"), 1.0)) !=
        metrics.end());
  CHECK(std::find(metrics.begin(), metrics.end(), std::make_pair(std::string("online"), 0.0)) != metrics.end());
  l->device->stop();
}

TEST_CASE("a serial_line rule action writes only through the write command", "[serial][device]") {
  auto l = load_device(R"(
devices:
  - { name: scale, type: serial_line, topic: sensors/scale, port: /nonexistent/tty }
)");
  RecordingIngress ingress;
  l->device->start(ingress);
  std::string why;
  CHECK(l->device->invoke("tare", nullptr, why) == Delivery::error);
  CHECK_THAT(why, Catch::Contains("one command, write"));
  CHECK(l->device->invoke("write", {{"data", "T"}}, why) == Delivery::error);
  CHECK_THAT(why, Catch::Contains("read-only"));
  auto results = ingress.wait("sensors/scale/write/result", 1);
  REQUIRE(results.size() == 1);
  CHECK(results[0]["error"] == "not_writable");
  CHECK(results[0].contains("ts"));
  l->device->stop();
}
