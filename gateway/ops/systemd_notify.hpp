#pragma once
// The service manager's notification protocol, through libsystemd's sd_notify:
// one datagram per state change to the socket in $NOTIFY_SOCKET. Without that
// variable (not started by systemd with Type=notify) every call does nothing.
//
//   READY=1       once configured and started, and again after a reload
//   RELOADING=1   while re-reading bridge.yaml after SIGHUP
//   STOPPING=1    when SIGTERM starts the shutdown
//   WATCHDOG=1    at half of WatchdogSec ($WATCHDOG_USEC), from the main loop
//   STATUS=...    with READY, one line a person sees in `systemctl status`

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace edgebridge {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment.
  SystemdNotifier();

  // How often to send WATCHDOG=1 (half the watchdog timeout); nullopt without a watchdog.
  std::optional<std::chrono::milliseconds> watchdog_interval() const { return watchdog_interval_; }

  void ready(const std::string& status);
  void reloading();
  void stopping();
  void watchdog();

 private:
  void send(const std::string& state);

  std::optional<std::chrono::milliseconds> watchdog_interval_;
};

}  // namespace edgebridge
