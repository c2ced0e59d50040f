#pragma once
// Reconnect delays with decorrelated jitter (the AWS architecture blog's
// "decorrelated jitter", as Mosquitto's bridge uses): each delay is random in
// [min, 3 × previous], capped at max. After a connection that stayed up for
// `stable_after`, the sequence starts over from `min`. Never below one second:
// at most one CONNECT per second per client id.

#include <cstdint>
#include <random>

#include "config/config.hpp"

namespace edgebridge {

class Backoff {
 public:
  explicit Backoff(ReconnectPolicy policy, std::uint64_t seed = std::random_device{}());
  // The delay before the next attempt.
  Duration next();
  // A connection ended after being up for `uptime`.
  void connection_ended(Duration uptime);
  void reset();

 private:
  ReconnectPolicy policy_;
  std::mt19937_64 rng_;
  Duration previous_;
};

}  // namespace edgebridge
