#include "catalog.hpp"

#include "ir_tcp/ir_tcp_kind.hpp"
#include "serial_line/serial_line_kind.hpp"
#include "modbus/modbus_kind.hpp"

namespace edgebridge {

DeviceCatalog device_catalog() {
  DeviceCatalog kinds;
  kinds.push_back(ir_tcp_kind());
  kinds.push_back(serial_line_kind());
  kinds.push_back(modbus::rtu_kind());
  kinds.push_back(modbus::tcp_kind());
  return kinds;
}

std::vector<CliExtension> cli_extensions() {
  std::vector<CliExtension> extensions;
  extensions.emplace_back(add_ir_cli);
  extensions.push_back(modbus::cli_extension());
  return extensions;
}

}  // namespace edgebridge
