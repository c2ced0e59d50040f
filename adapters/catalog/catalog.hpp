#pragma once
#include <vector>

#include "cli/cli.hpp"
#include "config/device_kind.hpp"

namespace edgebridge {

// Every device kind edgebridge knows, in one explicit list.
DeviceCatalog device_catalog();
// Subcommands the adapters add (e.g. `edgebridge modbus scan`).
std::vector<CliExtension> cli_extensions();

}  // namespace edgebridge
