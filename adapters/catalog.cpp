#include "catalog.hpp"

#include "ir_tcp/ir_tcp_kind.hpp"
#include "serial_line/serial_line_kind.hpp"

namespace edgebridge {

DeviceCatalog device_catalog() {
  DeviceCatalog kinds;
  kinds.push_back(ir_tcp_kind());
  kinds.push_back(serial_line_kind());
  return kinds;
}

std::vector<CliExtension> cli_extensions() {
  std::vector<CliExtension> extensions;
  extensions.push_back(add_ir_cli);
  return extensions;
}

}  // namespace edgebridge
