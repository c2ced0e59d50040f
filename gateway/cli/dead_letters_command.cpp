// `edgebridge outbox dead-letters -c FILE [--remote R] [--id N ...] [--retry | --purge]`:
// the messages the remotes refused for good. Safe while the gateway runs.
#include <iostream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/json_text.hpp"
#include "core/timestamps.hpp"
#include "loader/loader.hpp"
#include "outbox/dead_letters.hpp"

namespace edgebridge {

namespace {

std::string preview(const std::string& payload) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (char c : payload.substr(0, kMax)) out += (c >= 0x20 && c < 0x7f) ? c : '.';
  if (payload.size() > kMax) out += "...";
  return out;
}

}  // namespace

int dead_letters_command(const DeadLetterOptions& options, const DeviceCatalog& catalog) {
  LoadOptions load;
  load.check_files = false;  // the state_dir is all this needs
  auto loaded = load_config_file(options.config_path, catalog, load);
  if (!loaded.config) {
    std::cerr << loaded.diagnostics.format_all();
    return kExitBadConfig;
  }
  if (options.retry && options.purge) {
    std::cerr << "--retry and --purge exclude each other\n";
    return kExitUsage;
  }
  const std::string path = loaded.config->gateway.state_dir + "/outbox.db";
  DeadLetterSelection which;
  which.remote = options.remote;
  which.ids = options.ids;
  try {
    if (options.retry) {
      const std::size_t n = mark_dead_letters_for_retry(path, which);
      std::cout << n
                << " dead letter(s) marked for retry; the running gateway puts them back at the end of their "
                   "queue within a second (a stopped one when it starts)\n";
      return kExitOk;
    }
    if (options.purge) {
      const std::size_t n = purge_dead_letters(path, which);
      std::cout << n << " dead letter(s) deleted\n";
      return kExitOk;
    }
    const auto rows = list_dead_letters(path, which);
    if (options.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : rows)
        out.push_back({{"id", r.id},
                       {"remote", r.remote},
                       {"topic", r.topic},
                       {"payload_bytes", r.payload.size()},
                       {"qos", r.qos},
                       {"retain", r.retain},
                       {"received_at", format_rfc3339_ms(r.received_at)},
                       {"failed_at", format_rfc3339_ms(r.failed_at)},
                       {"reason", r.reason},
                       {"reason_code", r.reason_code},
                       {"attempts", r.attempts},
                       {"detail", r.detail},
                       {"retry_requested", r.retry_requested}});
      std::cout << dump_json(out) << "\n";
      return kExitOk;
    }
    if (rows.empty()) {
      std::cout << "no dead letters in " << path << "\n";
      return kExitOk;
    }
    for (const auto& r : rows) {
      std::cout << r.id << "  " << r.remote << "  " << format_rfc3339_ms(r.failed_at) << "  " << r.reason;
      if (r.reason_code != 0) std::cout << " (0x" << std::hex << r.reason_code << std::dec << ")";
      std::cout << "  attempts " << r.attempts << "  " << r.payload.size() << " B  " << r.topic
                << (r.retry_requested ? "  [retry requested]" : "") << "\n      " << r.detail
                << "\n      payload: " << preview(r.payload) << "\n";
    }
    std::cout << rows.size()
              << " dead letter(s); put them back with --retry (after fixing what refused them) or "
                 "delete them with --purge\n";
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return kExitRuntime;
  }
  return kExitOk;
}

}  // namespace edgebridge
