#include "app/cli.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "config/loader.hpp"

namespace edgebridge {

int cli_main(int argc, char** argv, const DeviceCatalog& catalog) {
  CLI::App app{"edgebridge: an edge gateway between a local MQTT broker, devices and cloud brokers"};
  app.require_subcommand(1);
  std::string config_path = "/etc/edgebridge/bridge.yaml";

  auto* version = app.add_subcommand("version", "Print the version");
  auto* check = app.add_subcommand("check", "Validate bridge.yaml and print the effective routes");
  check->add_option("-c,--config", config_path, "Configuration file")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (*version) {
    std::cout << "edgebridge " << EDGEBRIDGE_VERSION << "\n";
    return kExitOk;
  }
  if (*check) {
    auto result = load_config_file(config_path, catalog);
    std::cerr << result.diagnostics.format_all();
    if (!result.config) return kExitBadConfig;
    std::cout << config_path << ": configuration is valid\n";
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace edgebridge
