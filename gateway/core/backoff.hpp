#pragma once
// Reconnect delays with decorrelated jitter (the AWS architecture blog's
// "decorrelated jitter", as Mosquitto's bridge uses): each delay is random in
// [min, 3 × previous], capped at max. After a connection that stayed up for
// `stable_after`, the sequence starts over from `min`. Never below one second:
// at most one CONNECT per second per client id.

#include <chrono>
#include <cstdint>
#include <random>

namespace edgebridge {

// bridge.yaml's `reconnect:` (remotes, the local broker) and `reopen:` (device
// connections): { min, max, stable_after }.
struct ReconnectPolicy {
  std::chrono::milliseconds min_delay{1000};       // first retry after at least this long
  std::chrono::milliseconds max_delay{60'000};     // backoff never exceeds this
  std::chrono::milliseconds stable_after{60'000};  // connected this long → backoff starts over
};

class Backoff {
 public:
  explicit Backoff(ReconnectPolicy policy, std::uint64_t seed = std::random_device{}());
  // The delay before the next attempt.
  std::chrono::milliseconds next();
  // A connection ended after being up for `uptime`.
  void connection_ended(std::chrono::milliseconds uptime);
  void reset();

 private:
  ReconnectPolicy policy_;
  std::mt19937_64 rng_;
  std::chrono::milliseconds previous_;
};

}  // namespace edgebridge
