// `edgebridge run -c FILE`: load, start, and serve until SIGTERM/SIGINT.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <iostream>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/gateway.hpp"
#include "app/logging.hpp"
#include "config/loader.hpp"
#include "observe/observability.hpp"

namespace edgebridge {
namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

int run_command(const RunOptions& options, const DeviceCatalog& catalog) {
  // Block the signals before any thread starts; this thread takes them with sigtimedwait.
  sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto loaded = load_config_file(options.config_path, catalog);
  if (!loaded.config) {
    std::cerr << loaded.diagnostics.format_all();
    std::cerr << options.config_path << ": " << loaded.diagnostics.error_count()
              << " error(s); edgebridge did not start\n";
    return kExitBadConfig;
  }
  Config config = std::move(*loaded.config);
  setup_logging(options.log_level.empty() ? config.gateway.log_level : options.log_level);
  for (const auto& d : loaded.diagnostics.all()) spdlog::warn("Configuration warning. {}", format(d));

  Gateway gateway(std::move(config), catalog);
  try {
    gateway.start();
  } catch (const std::exception& e) {
    spdlog::error("Start failed. error=\"{}\"", e.what());
    return kExitRuntime;
  }
  Observability observability(gateway);  // /metrics, /healthz, /stats, the stats topic
  observability.start();

  while (true) {
    timespec tick{1, 0};
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("Stopping. signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    if (sig == SIGHUP) spdlog::warn("Reload requested, but reloading is not available in this build; restart instead");
  }
  observability.stop();
  gateway.stop();
  return kExitOk;
}

}  // namespace edgebridge
