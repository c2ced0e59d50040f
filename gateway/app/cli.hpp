#pragma once
// The command line: `edgebridge run|check|version|outbox stats ...`. Device
// kinds and other modules add their own subcommands (e.g. `modbus read`)
// through CliExtension, listed explicitly in main.cpp.

#include <functional>
#include <vector>

#include "core/device.hpp"

namespace CLI {
class App;
}

namespace edgebridge {

// Exit codes (documented in docs/configuration.md and `edgebridge --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntime = 1,    // a runtime failure (e.g. the state directory is not writable)
  kExitBadConfig = 2,  // bridge.yaml is invalid; every error was printed
  kExitUnavailable = 3,  // a device or peer a command needed did not answer
  kExitUsage = 64,     // wrong command-line usage
};

// Adds subcommands to `root`. Their callbacks run after parsing and set `exit_code`.
using CliExtension = std::function<void(CLI::App& root, const DeviceCatalog& catalog, int& exit_code)>;

int cli_main(int argc, char** argv, const DeviceCatalog& catalog, const std::vector<CliExtension>& extensions = {});

}  // namespace edgebridge
