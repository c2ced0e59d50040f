#pragma once
// The device kinds `modbus_rtu` and `modbus_tcp`, and the `edgebridge modbus`
// commissioning subcommands. Listed in adapters/catalog/catalog.cpp.

#include <memory>

#include "cli/cli.hpp"
#include "config/device_kind.hpp"

namespace edgebridge::modbus {

std::shared_ptr<const DeviceKind> rtu_kind();
std::shared_ptr<const DeviceKind> tcp_kind();

// `edgebridge modbus read -c FILE DEVICE [REGISTER]` and `edgebridge modbus scan ...`.
CliExtension cli_extension();

}  // namespace edgebridge::modbus
