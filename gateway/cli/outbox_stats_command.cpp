// `edgebridge outbox stats -c FILE`: what waits in the outbox, per remote.
// Opens the database read-only, so it works while the gateway runs.
#include <iomanip>
#include <iostream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "loader/loader.hpp"
#include "outbox/outbox.hpp"

namespace edgebridge {

int outbox_stats_command(const std::string& config_path, const DeviceCatalog& catalog) {
  LoadOptions options;
  options.check_files = false;  // stats need the state_dir, not the TLS files
  auto loaded = load_config_file(config_path, catalog, options);
  if (!loaded.config) {
    std::cerr << loaded.diagnostics.format_all();
    return kExitBadConfig;
  }
  const std::string path = loaded.config->gateway.state_dir + "/outbox.db";
  std::vector<OutboxQueueStats> stats;
  try {
    stats = read_outbox_stats(path);
  } catch (const std::exception& e) {
    std::cerr << "cannot read " << path << ": " << e.what() << "\n";
    return kExitRuntime;
  }
  std::cout << "outbox " << path << "\n";
  for (const auto& remote : loaded.config->remotes) {
    const OutboxQueueStats* s = nullptr;
    for (const auto& q : stats)
      if (q.remote == remote.name) s = &q;
    std::cout << "\nremote " << remote.name << "\n";
    if (!s) {
      std::cout << "  depth 0 (nothing stored yet)\n";
      continue;
    }
    std::cout << "  depth " << s->depth << " messages, " << format_size(s->depth_bytes) << ", oldest "
              << format_duration(Duration(s->oldest_age_ms)) << " ago\n";
    std::cout << "  dead letters " << s->dead_letters
              << (s->dead_letters > 0 ? " (list them: edgebridge outbox dead-letters)" : "") << "\n";
    std::uint64_t batches = 0, entries = 0, bytes = 0;
    for (const auto& [name, value] : s->counters) {
      if (name == "batches_sent") batches = value;
      if (name == "batch_entries") entries = value;
      if (name == "batch_bytes") bytes = value;
    }
    if (batches > 0)
      std::cout << "  batches " << batches << " sent, " << std::fixed << std::setprecision(1)
                << static_cast<double>(entries) / static_cast<double>(batches) << " messages and "
                << format_size(bytes / batches) << " per batch on average\n"
                << std::defaultfloat;
    for (const auto& [name, value] : s->counters) {
      if (name == "last_id") continue;  // internal
      std::string label = name;
      for (std::size_t r = 0; r < kDropReasons; ++r)
        if (name == to_string(static_cast<DropReason>(r))) label = "dropped_" + name;
      std::cout << "  " << std::left << std::setw(38) << label << value << "\n";
    }
  }
  return kExitOk;
}

}  // namespace edgebridge
