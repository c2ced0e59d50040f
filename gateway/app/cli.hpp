#pragma once
#include "core/device.hpp"

namespace edgebridge {

// Exit codes (documented in the README and `edgebridge --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntime = 1,    // a runtime failure (e.g. the state directory is not writable)
  kExitBadConfig = 2,  // bridge.yaml is invalid; every error was printed
  kExitUsage = 64,     // wrong command-line usage
};

int cli_main(int argc, char** argv, const DeviceCatalog& catalog);

}  // namespace edgebridge
