#include "ops/systemd_notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <algorithm>

#include "core/text.hpp"

namespace edgebridge {

SystemdNotifier::SystemdNotifier() {
  std::uint64_t usec = 0;
  // > 0 when WatchdogSec= is set for this process (WATCHDOG_USEC, WATCHDOG_PID).
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    watchdog_interval_ = std::chrono::milliseconds(std::max<std::uint64_t>(usec / 2000, 1));
}

void SystemdNotifier::send(const std::string& state) {
  // sd_notify does nothing (returns 0) when NOTIFY_SOCKET is not set.
  if (const int rc = sd_notify(0, state.c_str()); rc < 0)
    spdlog::debug("sd_notify failed. state=\"{}\" error=\"{}\"", state, errno_text(-rc));
}

void SystemdNotifier::ready(const std::string& status_text) { send("READY=1\nSTATUS=" + status_text); }

void SystemdNotifier::reloading() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=Reloading bridge.yaml");
}

void SystemdNotifier::stopping() { send("STOPPING=1\nSTATUS=Stopping"); }

void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }

}  // namespace edgebridge
