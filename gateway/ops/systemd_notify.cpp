#include "ops/systemd_notify.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace edgebridge {
namespace {

std::optional<std::chrono::milliseconds> watchdog_from_environment() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec || !*usec) return std::nullopt;
  // WATCHDOG_PID, when set, names the process the watchdog is meant for.
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid && std::atol(pid) != static_cast<long>(::getpid()))
    return std::nullopt;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(usec, &end, 10);
  if (*end != '\0' || value == 0) return std::nullopt;
  return std::chrono::milliseconds(std::max<unsigned long long>(value / 2000, 1));
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (!socket_path || (socket_path[0] != '/' && socket_path[0] != '@')) return;
  address_ = socket_path;
  if (address_[0] == '@') address_[0] = '\0';
  if (address_.size() >= sizeof(sockaddr_un::sun_path)) {
    spdlog::warn("NOTIFY_SOCKET is too long; not notifying the service manager. length={}", address_.size());
    return;
  }
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    spdlog::warn("Cannot notify the service manager. error=\"{}\"", std::strerror(errno));
    return;
  }
  watchdog_interval_ = watchdog_from_environment();
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

void SystemdNotifier::send(const std::string& state) {
  if (fd_ < 0) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), length) < 0)
    spdlog::debug("sd_notify failed. state=\"{}\" error=\"{}\"", state, std::strerror(errno));
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

void SystemdNotifier::status(const std::string& text) { send("STATUS=" + text); }

}  // namespace edgebridge
