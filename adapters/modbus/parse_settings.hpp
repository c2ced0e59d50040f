#pragma once
// Reads the keys of a modbus_rtu or modbus_tcp entry in `devices:` (see
// README.md and sample.yaml). Every problem is a diagnostic with line, column
// and key path; nothing throws.

#include <memory>
#include <vector>

#include "config/yaml_reader.hpp"
#include "modbus/modbus_settings.hpp"

namespace edgebridge::modbus {

// nullptr when the entry had errors (they are in the reader's diagnostics).
std::shared_ptr<const ModbusSettings> parse_settings(MapReader& entry, DeviceConfig& device, Transport transport);

// Devices sharing a serial port must agree on its settings, and the polls of
// all devices on one bus must fit in its time.
void check_buses(const std::vector<const DeviceConfig*>& devices, Diagnostics& diag);

}  // namespace edgebridge::modbus
