#include "cli/cli.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "core/build_info.hpp"

namespace edgebridge {

int cli_main(int argc, char** argv, const DeviceCatalog& catalog, const std::vector<CliExtension>& extensions) {
  CLI::App app{"edgebridge: an edge gateway between a local MQTT broker, devices and cloud brokers"};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration (every error printed), "
      "3 a device or peer did not answer (status: the gateway did not answer), 64 usage error; "
      "health: 0 healthy, 1 not.");
  int exit_code = kExitOk;
  std::string config_path = "/etc/edgebridge/bridge.yaml";

  auto* version = app.add_subcommand("version", "Print the version");
  version->callback([&] { std::cout << "edgebridge " << build_version() << "\n"; });

  RunOptions run_options;
  auto* run = app.add_subcommand("run", "Run the gateway until SIGTERM");
  run->add_option("-c,--config", run_options.config_path, "Configuration file")
      ->default_val(config_path)
      ->capture_default_str();
  run->add_option("--log-level", run_options.log_level, "trace, debug, info, warn or error (overrides bridge.yaml)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  run->callback([&] { exit_code = run_command(run_options, catalog); });

  std::string check_path = config_path;
  auto* check = app.add_subcommand("check", "Validate the configuration and print the effective routes");
  check->add_option("-c,--config", check_path, "Configuration file")->capture_default_str();
  check->callback([&] { exit_code = check_command(check_path, catalog); });

  std::string stats_path = config_path;
  auto* outbox = app.add_subcommand("outbox", "Inspect the store-and-forward outbox");
  outbox->require_subcommand(1);
  auto* stats = outbox->add_subcommand("stats", "Depth, age and counters per remote (safe while running)");
  stats->add_option("-c,--config", stats_path, "Configuration file")->capture_default_str();
  stats->callback([&] { exit_code = outbox_stats_command(stats_path, catalog); });
  DeadLetterOptions dead;
  dead.config_path = config_path;
  auto* dead_cmd = outbox->add_subcommand(
      "dead-letters", "List the messages the remotes refused for good; --retry puts them back, --purge deletes them");
  dead_cmd->add_option("-c,--config", dead.config_path, "Configuration file")->capture_default_str();
  dead_cmd->add_option("--remote", dead.remote, "Only this remote's dead letters");
  dead_cmd->add_option("--id", dead.ids, "Only these dead letters (ids from the listing)");
  dead_cmd->add_flag("--retry", dead.retry, "Put them back at the end of their queue (after fixing the cause)");
  dead_cmd->add_flag("--purge", dead.purge, "Delete them");
  dead_cmd->add_flag("--json", dead.json, "Print the listing as JSON");
  dead_cmd->callback([&] { exit_code = dead_letters_command(dead, catalog); });

  std::string status_path = config_path;
  auto* status = app.add_subcommand("status",
                                    "Ask the running gateway how it is: links, outbox, counters, devices, rules "
                                    "(exit 3 when it does not answer)");
  status->add_option("-c,--config", status_path, "Configuration file")->capture_default_str();
  status->callback([&] { exit_code = status_command(status_path, catalog); });

  std::string health_path = config_path;
  auto* health = app.add_subcommand(
      "health", "Exit 0 when the running gateway's /healthz answers 200, else 1 (for Docker's HEALTHCHECK)");
  health->add_option("-c,--config", health_path, "Configuration file")->capture_default_str();
  health->callback([&] { exit_code = health_command(health_path, catalog); });

  RulesTestOptions rules_test;
  rules_test.config_path = config_path;
  auto* rules = app.add_subcommand("rules", "Work with the edge rules of bridge.yaml");
  rules->require_subcommand(1);
  auto* rule_test = rules->add_subcommand("test",
                                          "Print what a rule would select and do for one message, without doing it");
  rule_test->add_option("-c,--config", rules_test.config_path, "Configuration file")->capture_default_str();
  rule_test->add_option("--rule", rules_test.rule, "The rule's name")->required();
  rule_test->add_option("--topic", rules_test.topic, "The message's topic")->required();
  auto* payload = rule_test->add_option("--payload", rules_test.payload, "The message's payload (JSON or any text)");
  auto* payload_file = rule_test->add_option("--payload-file", rules_test.payload_file,
                                             "Read the payload from this file (- for standard input)");
  payload->excludes(payload_file);
  payload_file->excludes(payload);

  rule_test
      ->add_option("--source", rules_test.source,
                   "Where the message comes from: local, device:NAME or remote:NAME (sets clientid())")
      ->default_val("local");
  rule_test->callback([&, payload, payload_file] {
    if (!payload->count() && !payload_file->count()) throw CLI::RequiredError("--payload or --payload-file");
    exit_code = rules_test_command(rules_test, catalog);
  });

  std::string shadow_path = config_path;
  std::string shadow_device;
  auto* shadow = app.add_subcommand("shadow", "Device shadows (docs/shadows.md)");
  shadow->require_subcommand(1);
  auto* shadow_show = shadow->add_subcommand(
      "show",
      "Print each device shadow as the gateway keeps it: reported, pending, desired, delta (safe while running)");
  shadow_show->add_option("-c,--config", shadow_path, "Configuration file")->capture_default_str();
  shadow_show->add_option("device", shadow_device, "Only this device");
  shadow_show->callback([&] { exit_code = shadow_show_command(shadow_path, shadow_device, catalog); });

  for (const auto& extend : extensions) extend(app, catalog, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  return exit_code;
}

}  // namespace edgebridge
