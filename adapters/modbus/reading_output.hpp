#pragma once
// What one poll publishes: one JSON object on the device's topic
// ({"ts": "...", "lux": 31250.5, "temperature": 21.4}) and, with
// output.per_register, each value as plain text on <topic>/<register>.
// With output.on_change only values that moved by more than their deadband
// since they were last published go out, and every Nth poll (output.every)
// publishes all of them.

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/message.hpp"
#include "core/timestamps.hpp"
#include "modbus/modbus_settings.hpp"

namespace edgebridge::modbus {

struct Reading {
  std::size_t index = 0;  // into ModbusSettings::registers
  nlohmann::json value;
};

class ChangeFilter {
 public:
  explicit ChangeFilter(const ModbusSettings& settings);
  // The readings of one poll that are to be published; remembers them as published.
  std::vector<Reading> select(std::vector<Reading> poll);

 private:
  bool changed(const Reading& r) const;

  const ModbusSettings& settings_;
  std::vector<nlohmann::json> published_;  // by register index; null = never
  int polls_since_all_ = 0;
  bool first_ = true;
};

// The messages for the selected readings of one poll (none when empty).
std::vector<Message> reading_messages(const ModbusSettings& settings, WallClock::time_point ts,
                                      const std::vector<Reading>& readings);

// Plain text for a per-register topic: 21.4, true, or the string itself.
std::string plain_text(const nlohmann::json& value);

}  // namespace edgebridge::modbus
