// `edgebridge check -c FILE`: validate and print the effective routes.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "config/loader.hpp"
#include "routing/router.hpp"
#include "rules/rule_config.hpp"

namespace edgebridge {
namespace {

const char* arrow(Direction d) {
  switch (d) {
    case Direction::out: return "->";
    case Direction::in: return "<-";
    case Direction::both: return "<->";
  }
  return "?";
}

}  // namespace

int check_command(const std::string& config_path, const DeviceCatalog& catalog) {
  auto result = load_config_file(config_path, catalog);
  std::cerr << result.diagnostics.format_all();
  if (!result.config) {
    std::cerr << config_path << ": " << result.diagnostics.error_count() << " error(s)\n";
    if (!result.draft) return kExitBadConfig;
    std::cout << "\nWith those errors fixed, the rest of the file gives:\n\n";
  } else {
    std::cout << config_path << ": valid\n\n";
  }
  const Config& c = result.config ? *result.config : *result.draft;
  std::cout << "gateway " << c.gateway.id << "  state_dir " << c.gateway.state_dir << "  durability "
            << to_string(c.gateway.durability) << "\n";
  std::cout << "local   " << c.local.url.text() << "  client_id " << c.local.client_id << "\n";
  for (const auto& r : c.remotes) {
    std::cout << "remote  " << r.name << "  " << r.url.text() << "  client_id " << r.client_id
              << "  max_publish_rate " << format_rate(r.max_publish_rate) << "  inflight " << r.inflight
              << "  outbox " << r.outbox.max_messages << " msgs/" << format_size(r.outbox.max_bytes) << " "
              << to_string(r.outbox.overflow) << " ttl " << format_duration(r.outbox.ttl) << "\n";
  }
  std::vector<RouteLine> lines;
  try {
    lines = Router(c.topics, c.devices).describe();
  } catch (const std::exception&) {
    // A draft with invalid filters has no routes to show; the errors said why.
    return kExitBadConfig;
  }
  std::cout << "\nroutes (local filter, direction, remote topic filter, qos, remote):\n";
  if (lines.empty()) std::cout << "  (none)\n";
  std::size_t width = 12;
  for (const auto& l : lines) width = std::max(width, l.local_filter.size());
  for (const auto& l : lines) {
    std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << l.local_filter << "  " << std::setw(3)
              << arrow(l.direction) << "  " << l.remote << ":" << l.remote_filter << "  qos " << l.qos << "  ("
              << to_string(l.direction) << ", line " << l.where.line << ")\n";
  }
  bool batches = false;
  for (const auto& r : c.remotes)
    for (const auto& b : r.batches) {
      if (!batches) std::cout << "\nbatches (remote:topic, format, limits; docs/batching.md):\n";
      batches = true;
      std::cout << "  " << r.name << ":" << b->topic << "  " << to_string(b->format) << "  max_messages "
                << b->max_messages << "  max_bytes "
                << (b->max_bytes == 0 ? std::string("default") : format_size(b->max_bytes)) << "  max_delay "
                << format_duration(b->max_delay) << "\n";
    }
  if (!c.devices.empty()) {
    std::cout << "\ndevices:\n";
    for (const auto& d : c.devices) {
      std::cout << "  " << d.name << " (" << d.type << ") -> " << d.topic;
      for (const auto& f : d.command_filters) std::cout << "  commands: " << f;
      std::cout << "\n";
    }
  }
  if (c.rules && !c.rules->rules.empty()) {
    std::cout << "\nrules:\n";
    for (const auto& r : c.rules->rules) {
      std::cout << "  " << r.name << "  FROM ";
      if (r.statement)
        std::cout << "'" << r.statement->from << "'";
      else
        std::cout << "(the SQL has errors)";
      if (r.hold) std::cout << "  for " << format_duration(*r.hold);
      if (r.max_gap) std::cout << "  max_gap " << format_duration(*r.max_gap);
      std::cout << "  actions " << r.actions.size() << (r.enabled ? "" : "  (disabled)") << "  (line "
                << r.where.line << ")\n";
    }
  }
  return result.config ? kExitOk : kExitBadConfig;
}

}  // namespace edgebridge
