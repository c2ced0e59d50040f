#pragma once
// Moves rows from one remote's OutboxQueue to its MQTT connection: oldest first,
// at most `inflight` unacknowledged (also capped by the server's Receive
// Maximum), paced by max_publish_rate and max_bytes_rate. On PUBACK the row is
// acked (deleted). When the connection drops, every unacknowledged row is sent
// again from the oldest on the next connection (at least once; first deliveries
// keep their order; inflight: 1 keeps strict order even across reconnects).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "config/units.hpp"
#include "outbox/outbox.hpp"

namespace edgebridge {

// The remote connection as the forwarder sees it.
class Publisher {
 public:
  virtual ~Publisher() = default;
  // Non-zero while connected; a new value for every new connection.
  virtual std::uint64_t connection_id() const = 0;
  // Server's Receive Maximum for this connection (65535 when it set none).
  virtual int receive_maximum() const = 0;
  // Starts a publish on connection `connection_id`. `done(true)` on PUBACK
  // (QoS 1) or once written (QoS 0); `done(false)` if it failed. Returns false
  // if it could not start (e.g. the connection is gone). `done` may run on
  // another thread and may never run if the connection is lost.
  virtual bool publish(std::uint64_t connection_id, const Message& message, std::function<void(bool)> done) = 0;
};

struct ForwarderSettings {
  int inflight = 64;
  Rate max_publish_rate{};  // unlimited
  Rate max_bytes_rate{};    // unlimited
};

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

class Forwarder {
 public:
  Forwarder(std::string remote, OutboxQueue& queue, Publisher& publisher, ForwarderSettings settings,
            SteadyClock clock = [] { return std::chrono::steady_clock::now(); });
  ~Forwarder();  // stops
  void start();
  void stop();
  // The connection changed (connected or lost): wake up and re-check.
  void connection_changed();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgebridge
