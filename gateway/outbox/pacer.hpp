#pragma once
// Publish pacing: a token bucket over messages and one over bytes. Pure logic on
// an injected time, so tests drive it with a fake clock.
//
// The message bucket holds one token (no bursts) and refills at 97 % of the
// configured rate: publishes are spaced evenly, so any one-second window on the
// receiving side sees at most the configured count even with network jitter.

#include <chrono>
#include <cstddef>

#include "config/units.hpp"

namespace edgebridge {

class Pacer {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  Pacer(Rate messages, Rate bytes);
  // How long to wait, from `now`, before a message of `bytes` may be sent.
  std::chrono::nanoseconds delay(time_point now, std::size_t bytes) const;
  // Records a send at `now` (call when delay() is zero).
  void sent(time_point now, std::size_t bytes);

 private:
  double msg_interval_ns_ = 0;   // 0 = unlimited
  double byte_rate_per_ns_ = 0;  // 0 = unlimited
  double byte_capacity_ = 0;
  time_point next_msg_{};
  double byte_tokens_ = 0;
  time_point byte_stamp_{};
  bool started_ = false;
};

}  // namespace edgebridge
