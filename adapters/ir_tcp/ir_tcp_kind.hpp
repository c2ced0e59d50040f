#pragma once
// `type: ir_tcp`: infrared emitters behind a Global Caché iTach (or anything
// that speaks its TCP protocol on port 4998). See README.md in this folder.

#include <memory>

#include "cli/cli.hpp"
#include "config/device_kind.hpp"

namespace edgebridge::ir_tcp {

std::shared_ptr<const DeviceKind> ir_tcp_kind();
// `edgebridge ir send -c FILE DEVICE CODE`: plays one code, for installers.
void add_ir_cli(CLI::App& root, const DeviceCatalog& catalog, int& exit_code);

}  // namespace edgebridge::ir_tcp
