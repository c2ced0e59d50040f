// Fuzzes device command payloads as they arrive on a command topic: a Modbus
// write (<topic>/set) and an IR command, the "ts" they may carry, and the
// result each device publishes. Any bytes - 60,000 nested '[', 300 KiB, invalid
// UTF-8 - give a verdict with a reason, never a crash; the reason and the
// result stay short whatever the payload holds (core/echo.hpp). Seeds:
// tests/fuzz/corpus/commands, deep and huge ones through expand_input.hpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "catalog/catalog.hpp"
#include "expand_input.hpp"
#include "ir_tcp/ir_request.hpp"
#include "loader/loader.hpp"
#include "modbus/modbus_settings.hpp"
#include "modbus/write_command.hpp"

using namespace edgebridge;
using namespace edgebridge::ir_tcp;

namespace {

// Longer than any reason or result a payload can cause (echoes are cut at 128 bytes).
constexpr std::size_t kMaxReply = 2048;

struct Devices {
  Config config;
  const modbus::ModbusSettings* modbus = nullptr;
  const IrTcpSettings* ir = nullptr;
};

const Devices& devices() {
  static const Devices d = [] {
    LoadOptions options;
    options.check_files = false;
    options.default_gateway_id = "fuzz";
    auto r = load_config_text(R"(
devices:
  - name: climate
    type: modbus_tcp
    host: 127.0.0.1
    topic: sensors/climate
    registers:
      - { name: setpoint, address: 10, type: int16, scale: 0.1 }
      - { name: fan, table: coil, address: 0 }
    writes:
      - { register: setpoint, min: 5, max: 35 }
      - { register: fan, values: [true, false] }
  - name: shade
    type: ir_tcp
    host: 127.0.0.1
    topic: cmd/shade
    codes: { open: "sendir,1:1,1,38000,1,1,343,171", close: "sendir,1:1,1,38000,1,1,343,172" }
)",
                              "fuzz.yaml", device_catalog(), options);
    if (!r.config) std::abort();
    Devices out;
    out.config = std::move(*r.config);
    out.modbus = dynamic_cast<const modbus::ModbusSettings*>(out.config.devices.at(0).settings.get());
    out.ir = dynamic_cast<const IrTcpSettings*>(out.config.devices.at(1).settings.get());
    if (!out.modbus || !out.ir) std::abort();
    return out;
  }();
  return d;
}

void modbus_command(const std::string& payload) {
  const auto now = WallClock::now();
  auto checked = modbus::check_write_payload(*devices().modbus, payload, now, now);
  if (checked.verdict == modbus::Verdict::accepted && !checked.why.empty()) std::abort();
  if (checked.why.size() > kMaxReply) std::abort();
  const std::string result =
      modbus::result_payload("climate", checked.command.register_name, checked.command.value, checked.command.id,
                             modbus::to_string(checked.verdict), checked.why, now);
  if (result.size() > kMaxReply) std::abort();
}

void ir_command(const std::string& payload) {
  Message m;
  m.topic = "cmd/shade";
  m.payload = payload;
  m.received_at = WallClock::now();
  IrRefusal refusal;
  nlohmann::json id;
  auto request = parse_ir_payload(m, refusal, id);
  if (request) {
    if (auto unknown = check_code(*request, *devices().ir)) refusal = *unknown;
    id = request->request_id;
  }
  // What the device publishes on its result topic.
  nlohmann::json body = {{"ok", false}, {"status", "refused"}, {"error", refusal.error}, {"message", refusal.message}};
  if (request) body["code"] = request->code;
  if (!id.is_null()) body["id"] = id;
  if (body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() > kMaxReply) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string payload = edgebridge::fuzz::expand_input(data, size);
  modbus_command(payload);
  ir_command(payload);
  return 0;
}
