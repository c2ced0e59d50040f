// `edgebridge run -c FILE`: load, start, and serve until SIGTERM/SIGINT; SIGHUP reloads.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>

#include "app/gateway.hpp"
#include "app/reload_config.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "loader/loader.hpp"
#include "observe/observability.hpp"
#include "ops/systemd_notify.hpp"

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

  SystemdNotifier systemd;
  Gateway gateway(std::move(config), catalog);
  try {
    gateway.start();
  } catch (const std::exception& e) {
    spdlog::error("Start failed. error=\"{}\"", e.what());
    return kExitRuntime;
  }
  auto running = [&gateway] {
    return "Running; " + std::to_string(gateway.config().remotes.size()) + " remote(s), " +
           std::to_string(gateway.config().devices.size()) + " device(s)";
  };
  Observability observability(gateway);  // /metrics, /healthz, /stats, the stats topic
  observability.start();
  systemd.ready(running());

  // The main loop takes the signals and feeds the service manager's watchdog:
  // if this thread hangs, systemd restarts the service.
  using Clock = std::chrono::steady_clock;
  const auto watchdog = systemd.watchdog_interval();
  const auto tick = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(1000),
                                                        watchdog.value_or(std::chrono::milliseconds(1000)));
  auto last_ping = Clock::now();
  if (watchdog) systemd.watchdog();
  while (true) {
    timespec wait{static_cast<time_t>(tick.count() / 1000), static_cast<long>((tick.count() % 1000) * 1'000'000)};
    const int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("Stopping. signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      systemd.stopping();
      break;
    }
    if (sig == SIGHUP) {
      systemd.reloading();
      // The observer reads the configuration and the endpoint maps that a
      // reload replaces: it pauses meanwhile (requests wait in the backlog).
      observability.stop();
      reload_config(gateway, options.config_path, catalog, options.log_level);
      observability.start();
      systemd.ready(running());
    }
    if (watchdog && Clock::now() - last_ping >= *watchdog) {
      systemd.watchdog();
      last_ping = Clock::now();
    }
  }
  observability.stop();
  gateway.stop();
  return kExitOk;
}

}  // namespace edgebridge
