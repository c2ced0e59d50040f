#pragma once
// Publish pacing: a token bucket over messages and one over bytes. Pure logic on
// an injected time, so tests drive it with a fake clock.
//
// The message bucket holds one token (no bursts) and refills at 97 % of the
// configured rate: publishes are spaced evenly, so any one-second window on the
// receiving side sees at most the configured count even with network jitter.

#include <chrono>
#include <cstddef>
#include <cstdint>

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
  // The remote said it gets too much (MQTT 5 0x97 quota exceeded, or a
  // DISCONNECT 0x96/0x97): from now on at most half the rate of the last
  // second, growing back by a quarter each second until the configured rate
  // (or no limit) is reached again. Another throttle halves again.
  void throttle(time_point now);
  // The rate the throttle allows at `now`; 0 when there is no throttle.
  double throttled_rate(time_point now) const;

 private:
  double msg_interval_ns_ = 0;   // 0 = unlimited
  double byte_rate_per_ns_ = 0;  // 0 = unlimited
  double byte_capacity_ = 0;
  time_point next_msg_{};
  double byte_tokens_ = 0;
  time_point byte_stamp_{};
  bool started_ = false;

  double configured_rate_ = 0;  // messages/s; 0 = unlimited
  // Throttle: the rate allowed right after the last throttle() and when it was.
  double throttle_base_ = 0;
  time_point throttled_at_{};
  time_point last_send_{};
  // Sends in the current and the previous one-second window (for throttle()).
  time_point window_start_{};
  std::uint64_t window_sends_ = 0, previous_window_sends_ = 0;
};

}  // namespace edgebridge
