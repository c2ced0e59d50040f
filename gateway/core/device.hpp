#pragma once
// The running half of the contract between the gateway and a device adapter
// (adapters/<kind>/); the configuration half, DeviceKind, is in
// config/device_kind.hpp. Adapters know nothing about SQLite or
// the cloud: they turn device I/O into messages on local topics (handed to the
// Ingress) and command messages into device I/O.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/delivery.hpp"
#include "core/ingress.hpp"

namespace edgebridge {

class DeviceEndpoint {
 public:
  virtual ~DeviceEndpoint() = default;
  virtual const std::string& name() const = 0;
  // Starts polling/reading in the adapter's own thread(s). Messages go to
  // `ingress` as Source::device(name()). A device that cannot be reached yet is
  // not an error here: the adapter retries with backoff and reports status.
  virtual void start(Ingress& ingress) = 0;
  // Stops all threads; safe to call after a failed or missing start(), and twice.
  virtual void stop() = 0;
  // A message on one of the device's command filters (from the cloud, the local
  // broker or a rule). The adapter checks it against its configuration before
  // any device I/O, and reports the outcome on its result topic.
  virtual Delivery command(const Message& message) = 0;
  // A named command from a rule action or a device shadow (an IR code, a
  // register write). `args` is the action's JSON arguments (may be null). An
  // "id" in an object `args` (a string, at most 64 bytes) is echoed as "id" in
  // the result message the command gets, so the caller can find its outcome
  // (device shadows do). On error, `why` says why.
  virtual Delivery invoke(const std::string& command, const nlohmann::json& args, std::string& why) = 0;
  // Counters and gauges for /metrics, by snake_case name. Names in use:
  // polls_ok, polls_failed, poll_latency_ms (last poll), online (0/1),
  // commands_ok, commands_rejected, commands_failed, commands_expired,
  // lines_ok, lines_bad. Thread-safe.
  virtual std::vector<std::pair<std::string, double>> metrics() const { return {}; }
};

}  // namespace edgebridge
