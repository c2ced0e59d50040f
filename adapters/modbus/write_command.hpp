#pragma once
// Commands that write a register: parsed from a payload on the device's
// command topic (or from a rule's invoke()) and checked against the device's
// `writes:` list before anything touches the bus.
//
// Payload (JSON object, on <topic>/set by default):
//   {"register": "setpoint", "value": 21.5}
//   optional "id": any string or number, echoed in the result;
//   optional "ts": when it was issued, RFC 3339 text or epoch milliseconds.
// Without "ts" the command's age counts from when it entered the gateway.
// A command older than its ttl is dropped, not executed late.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/timestamps.hpp"
#include "modbus_settings.hpp"

namespace edgebridge::modbus {

enum class Verdict { accepted, rejected, expired };
const char* to_string(Verdict v);

// A write that passed every check, ready for the bus.
struct WriteCommand {
  std::string register_name;
  nlohmann::json value;     // as the command gave it (after checks)
  nlohmann::json id;        // null when the command had none
  Table table = Table::holding;
  std::uint16_t address = 0;
  std::vector<std::uint16_t> words;  // holding registers
  bool coil = false;                 // coil value
  bool multiple = false;             // function 15/16 rather than 5/6
  WallClock::time_point issued_at{};
  WallClock::time_point expires_at{};
};

struct CheckedWrite {
  Verdict verdict = Verdict::rejected;
  std::string why;  // empty when accepted
  WriteCommand command;
};

// A payload from the command topic.
CheckedWrite check_write_payload(const ModbusSettings& device, const std::string& payload,
                                 WallClock::time_point received_at, WallClock::time_point now);

// A write by register name and value (rules' invoke(): command = register name;
// args = the value, or {"value": ..., "id": ...}).
CheckedWrite check_write(const ModbusSettings& device, const std::string& register_name, const nlohmann::json& args,
                         WallClock::time_point issued_at, WallClock::time_point now);

// The reply published on the result topic:
// {"ts":..., "device":..., "register":..., "value":..., "id":..., "status":"ok"|"rejected"|"expired"|"failed",
//  "error":..., "read_back":...}; read_back (after "ok": the register read again right after the write;
// left out when null) is what the device holds now, e.g. a value it rounded or clamped.
std::string result_payload(const std::string& device, const std::string& register_name, const nlohmann::json& value,
                           const nlohmann::json& id, const std::string& status, const std::string& error,
                           WallClock::time_point now, const nlohmann::json& read_back = nullptr);

}  // namespace edgebridge::modbus
