// `edgebridge status -c FILE` and `edgebridge health -c FILE`: ask the running
// gateway over its metrics endpoint (gateway.metrics in FILE).
#include <iostream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "loader/loader.hpp"
#include "observe/http_client.hpp"
#include "observe/status_text.hpp"
#include "outbox/outbox.hpp"

namespace edgebridge {
namespace {

constexpr std::chrono::milliseconds kAskTimeout{3000};

std::optional<Config> load(const std::string& config_path, const DeviceCatalog& catalog) {
  LoadOptions options;
  options.check_files = false;  // the TLS files are the running gateway's business
  auto loaded = load_config_file(config_path, catalog, options);
  if (!loaded.config) std::cerr << loaded.diagnostics.format_all();
  return std::move(loaded.config);
}

int outbox_fallback(const Config& config) {
  const std::string path = config.gateway.state_dir + "/outbox.db";
  std::vector<std::string> remotes;
  for (const auto& r : config.remotes) remotes.push_back(r.name);
  try {
    const auto stats = read_outbox_stats(path);
    std::cout << "What the outbox database " << path << " holds:\n\n" << format_outbox_fallback(remotes, stats);
  } catch (const std::exception& e) {
    std::cout << "The outbox database " << path << " cannot be read either: " << e.what() << "\n";
  }
  return kExitUnavailable;
}

}  // namespace

int status_command(const std::string& config_path, const DeviceCatalog& catalog) {
  auto config = load(config_path, catalog);
  if (!config) return kExitBadConfig;
  if (!config->gateway.metrics) {
    std::cout << "The gateway's metrics endpoint is off (gateway.metrics: false in " << config_path
              << "), so its live state cannot be asked.\n";
    return outbox_fallback(*config);
  }
  const ListenAddress address = connect_address(*config->gateway.metrics);
  std::string why;
  auto answer = http_get(address, "/stats", kAskTimeout, why);
  if (!answer || answer->status != 200) {
    if (answer) why = "it answered HTTP " + std::to_string(answer->status);
    std::cout << "The gateway is not running or not reachable: nothing answered on http://" << address.text()
              << "/stats (" << why << ").\n";
    return outbox_fallback(*config);
  }
  auto stats = parse_stats(answer->body, why);
  if (!stats) {
    std::cout << "http://" << address.text() << "/stats: " << why << "; is another program on that port?\n";
    return outbox_fallback(*config);
  }
  std::cout << format_status(*stats);
  return kExitOk;
}

int health_command(const std::string& config_path, const DeviceCatalog& catalog) {
  // Docker reads 0 as healthy and 1 as unhealthy (2 is reserved): never anything else.
  auto config = load(config_path, catalog);
  if (!config) return 1;
  if (!config->gateway.metrics) {
    std::cout << "unknown: the health endpoint is off (gateway.metrics: false in " << config_path << ")\n";
    return 1;
  }
  const ListenAddress address = connect_address(*config->gateway.metrics);
  std::string why;
  auto answer = http_get(address, "/healthz", kAskTimeout, why);
  if (!answer) {
    std::cout << "unhealthy: the gateway is not running or not reachable on http://" << address.text() << "/healthz ("
              << why << ")\n";
    return 1;
  }
  std::cout << answer->body;
  if (!answer->body.empty() && answer->body.back() != '\n') std::cout << "\n";
  return answer->status == 200 ? 0 : 1;
}

}  // namespace edgebridge
