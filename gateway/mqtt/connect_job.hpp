#pragma once
// The part of an MQTT connect that may block, on a short-lived thread of its
// own: creating the libmosquitto client, building its TLS context (reads the
// files), looking the host name up and starting the TCP connect
// (mosquitto_connect_async). The event loop takes the client over when the
// job is done and drives the TLS handshake and the CONNECT from there.

#include <mosquitto.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "config/config.hpp"

namespace edgebridge {

// Where libmosquitto's log lines go while a connect is set up (the callbacks
// get this as their user data; the client's Impl derives from it).
struct LogSink {
  virtual ~LogSink() = default;
  std::string last_error;  // the last error or warning the library logged
};

struct ConnectRequest {
  std::string host;
  int port = 0;
  std::string client_id;
  bool clean_start = true;
  bool mqtt5 = true;
  std::optional<TlsConfig> tls;
  std::optional<std::string> username;
  std::optional<std::string> password;
  int keepalive_s = 30;
  std::string will_topic;  // empty: no will
  int receive_maximum = 0;
  std::uint32_t session_expiry_s = 0;  // MQTT 5, with clean_start false
  // Sets the callbacks on the new client (runs on the job's thread).
  std::function<void(mosquitto*)> configure;
};

struct ConnectJob {
  mosquitto* mosq = nullptr;  // null when the attempt failed before there was a connection
  int rc = MOSQ_ERR_SUCCESS;
  int saved_errno = 0;
  std::string error;         // in words, when the attempt failed
  bool unreachable = false;  // the failure says the broker cannot be reached (not that it refused us)
  LogSink log;
  std::atomic<bool> abandoned{false};  // the client stopped waiting: the job cleans up after itself
  std::thread thread;
};

// Starts the job; `done` runs on the job's thread when it finished (the job's
// fields are then final). If `done` returns false, nobody took the client
// over and the job destroys it.
std::shared_ptr<ConnectJob> start_connect(ConnectRequest request,
                                          std::function<bool(const std::shared_ptr<ConnectJob>&)> done);

// Every libmosquitto client is made by a ConnectJob and ends in
// destroy_client(); live_clients() counts the ones in between, so a client
// that is never destroyed is found (the sanitizer builds cannot see it: the
// tests suppress leaks inside libmosquitto, see tests/lsan.supp).
void destroy_client(mosquitto* m);
std::size_t live_clients();

// True when `errno_value` from a connect means the broker cannot be reached.
bool unreachable_errno(int errno_value);

// A plain TCP connect to host:port within `timeout` (blocking; a job's
// thread): the cheap check between backed-off MQTT attempts.
bool tcp_reachable(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace edgebridge
