#pragma once
// One function per CLI subcommand; each returns an ExitCode.
#include <cstdint>
#include <string>
#include <vector>

#include "core/device.hpp"

namespace edgebridge {

struct RunOptions {
  std::string config_path;
  std::string log_level;  // empty: from bridge.yaml
};

int run_command(const RunOptions& options, const DeviceCatalog& catalog);
int check_command(const std::string& config_path, const DeviceCatalog& catalog);
int outbox_stats_command(const std::string& config_path, const DeviceCatalog& catalog);

struct DeadLetterOptions {
  std::string config_path;
  std::string remote;             // empty: every remote
  std::vector<std::int64_t> ids;  // empty: every dead letter (of that remote)
  bool retry = false;             // put them back into their queue
  bool purge = false;             // delete them
  bool json = false;              // the listing as JSON
};
int dead_letters_command(const DeadLetterOptions& options, const DeviceCatalog& catalog);
// Asks the running gateway (GET /stats on gateway.metrics) and prints it; 0 when
// it answered, kExitUnavailable (3) when not (after printing the outbox database's counts).
int status_command(const std::string& config_path, const DeviceCatalog& catalog);
// GET /healthz: 0 when it answers 200, else 1 (Docker's HEALTHCHECK convention).
int health_command(const std::string& config_path, const DeviceCatalog& catalog);

struct RulesTestOptions {
  std::string config_path;
  std::string rule;
  std::string topic;
  std::string payload;
  std::string payload_file;  // instead of payload: a file, or "-" for standard input
  std::string source;  // "local" (default), "device:NAME", "remote:NAME"
};
int rules_test_command(const RulesTestOptions& options, const DeviceCatalog& catalog);

// `edgebridge shadow show -c FILE [DEVICE]`: each device shadow as the gateway
// keeps it (reported, pending, desired, delta, errors), from the outbox
// database; works while the gateway runs. 64 when DEVICE has no shadow.
int shadow_show_command(const std::string& config_path, const std::string& device, const DeviceCatalog& catalog);

}  // namespace edgebridge
