#include "catalog.hpp"

#include "modbus/modbus_kind.hpp"

namespace edgebridge {

DeviceCatalog device_catalog() {
  DeviceCatalog kinds;
  kinds.push_back(modbus::rtu_kind());
  kinds.push_back(modbus::tcp_kind());
  return kinds;
}

std::vector<CliExtension> cli_extensions() {
  std::vector<CliExtension> extensions;
  extensions.push_back(modbus::cli_extension());
  return extensions;
}

}  // namespace edgebridge
