#pragma once
// The `serial:` block of a device on a serial port (serial_line; the same keys
// as modbus_rtu): baud, parity, data bits, stop bits.

#include <string>
#include <vector>

#include "config/yaml_reader.hpp"

namespace edgebridge {

struct SerialSettings {
  int baud = 9600;
  char parity = 'N';  // N | E | O
  int data_bits = 8;  // 5-8
  int stop_bits = 1;  // 1 | 2
  std::string text() const;  // "9600 8N1"
};

// Reads `serial:` under `device` (absent: every default). Errors go to the reader.
SerialSettings read_serial_settings(MapReader& device);

// The baud rates termios can set, ascending.
const std::vector<int>& standard_baud_rates();

}  // namespace edgebridge
