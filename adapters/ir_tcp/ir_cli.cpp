// `edgebridge ir send -c FILE DEVICE CODE`: plays one code of a configured
// ir_tcp device and prints what the iTach said. For installers checking the
// wiring and the codes; it does not know the running gateway's min_interval
// or hold state, so it does not apply them.
#include <CLI/CLI.hpp>

#include <iostream>

#include "ir_tcp/ir_sender.hpp"
#include "ir_tcp/ir_settings.hpp"
#include "ir_tcp/ir_tcp_kind.hpp"
#include "ir_tcp/itach_reply.hpp"
#include "loader/loader.hpp"

namespace edgebridge::ir_tcp {
namespace {

struct IrSendOptions {
  std::string config_path = "/etc/edgebridge/bridge.yaml";
  std::string device;
  std::string code;
  int repeat = 0;
};

int ir_send(const IrSendOptions& o, const DeviceCatalog& catalog) {
  auto loaded = load_config_file(o.config_path, catalog);
  if (!loaded.config) {
    std::cerr << loaded.diagnostics.format_all() << o.config_path << ": " << loaded.diagnostics.error_count()
              << " error(s)\n";
    return kExitBadConfig;
  }
  const DeviceConfig* device = loaded.config->find_device(o.device);
  auto settings = device ? std::dynamic_pointer_cast<const IrTcpSettings>(device->settings) : nullptr;
  if (!settings) {
    std::cerr << "no ir_tcp device named \"" << o.device << "\" in " << o.config_path << "; ir_tcp devices:";
    for (const auto& d : loaded.config->devices)
      if (d.type == "ir_tcp") std::cerr << " " << d.name;
    std::cerr << "\n";
    return kExitUsage;
  }
  const IrCode* code = settings->find(o.code);
  if (!code) {
    std::cerr << "\"" << o.code << "\" is not a code of " << o.device << "; its codes: " << settings->code_names()
              << "\n";
    return kExitUsage;
  }
  ItachConnection connection(nullptr, {});
  std::string why;
  if (!connection.connect(settings->host, settings->port, settings->connect_timeout, why)) {
    std::cerr << "cannot connect to the iTach at " << settings->address() << ": " << why << "\n";
    return kExitUnavailable;
  }
  SendPolicy policy{settings->reply_timeout, settings->busy_retries, settings->busy_delay, settings->busy_max_delay};
  int id = 1;
  const SendOutcome out = send_ir_code(connection, *code, o.repeat, policy, [&] { return id++; },
                                       [](const std::string& line) { std::cerr << "(iTach: " << line << ")\n"; });
  switch (out.status) {
    case SendStatus::ok:
      std::cout << o.device << " " << o.code << ": ok (" << out.reply << ", " << out.attempts << " attempt"
                << (out.attempts == 1 ? "" : "s") << ")\n";
      return kExitOk;
    case SendStatus::failed:
      std::cerr << o.device << " " << o.code << ": " << out.message << "\n";
      return out.error == "busy" ? kExitUnavailable : kExitRuntime;
    default:
      std::cerr << o.device << " " << o.code << ": " << out.message << "\n";
      return kExitUnavailable;
  }
}

}  // namespace

void add_ir_cli(CLI::App& root, const DeviceCatalog& catalog, int& exit_code) {
  auto options = std::make_shared<IrSendOptions>();
  auto* ir = root.add_subcommand("ir", "Infrared emitters (ir_tcp devices)");
  ir->require_subcommand(1);
  auto* send = ir->add_subcommand(
      "send",
      "Play one code of an ir_tcp device and print the iTach's answer. Ignores min_interval and hold: "
      "it cannot see the running gateway's state, so mind motors and compressors.");
  send->add_option("-c,--config", options->config_path, "Configuration file")->capture_default_str();
  send->add_option("device", options->device, "Device name (an ir_tcp entry in devices:)")->required();
  send->add_option("code", options->code, "Code name (a key of its codes)")->required();
  send->add_option("--repeat", options->repeat, "Plays instead of the code's own repeat count")
      ->check(CLI::Range(1, kIrMaxRepeat));
  send->callback([options, &catalog, &exit_code] { exit_code = ir_send(*options, catalog); });
}

}  // namespace edgebridge::ir_tcp
