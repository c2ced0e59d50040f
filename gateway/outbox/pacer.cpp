#include "outbox/pacer.hpp"

#include <algorithm>
#include <cmath>

namespace edgebridge {

namespace {

// Refill at 97 % of the configured rate: the 3 % slack (about 30 ms in every
// second) absorbs scheduling and network jitter between our clock and the
// receiver's one-second windows, so the receiver never counts more than the limit.
constexpr double kRefillShare = 0.97;
// The byte bucket holds 1 % of a second's bytes (at least one byte): with the
// 97 % refill, a one-second window carries at most the configured bytes as
// long as no single message is larger than that 1 %. A larger message waits
// for a full bucket and then goes, leaving the bucket in debt.
constexpr double kByteBurstShare = 0.01;

// A throttle grows back by this factor every second.
constexpr double kRecoverPerSecond = 1.25;
// Without a configured rate, a throttle ends once it allows this many a second.
constexpr double kUnlimitedCeiling = 1e6;

}  // namespace

Pacer::Pacer(Rate messages, Rate bytes) {
  if (!messages.unlimited()) {
    msg_interval_ns_ = std::ceil(1e9 / (messages.per_second * kRefillShare));
    configured_rate_ = messages.per_second;
  }
  if (!bytes.unlimited()) {
    byte_rate_per_ns_ = bytes.per_second * kRefillShare / 1e9;
    byte_capacity_ = std::max(1.0, bytes.per_second * kByteBurstShare);
    byte_tokens_ = byte_capacity_;
  }
}

std::chrono::nanoseconds Pacer::delay(time_point now, std::size_t bytes) const {
  if (!started_) return std::chrono::nanoseconds(0);
  double wait_ns = 0;
  if (msg_interval_ns_ > 0 && next_msg_ > now)
    wait_ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(next_msg_ - now).count());
  if (const double rate = throttled_rate(now); rate > 0) {
    const auto next = last_send_ + std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
    if (next > now)
      wait_ns = std::max(wait_ns,
                         static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(next - now).count()));
  }
  if (byte_rate_per_ns_ > 0) {
    const double elapsed = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - byte_stamp_).count());
    const double tokens = std::min(byte_capacity_, byte_tokens_ + std::max(0.0, elapsed) * byte_rate_per_ns_);
    const double need = std::min(static_cast<double>(bytes), byte_capacity_);
    if (tokens < need) wait_ns = std::max(wait_ns, std::ceil((need - tokens) / byte_rate_per_ns_));
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(wait_ns));
}

void Pacer::sent(time_point now, std::size_t bytes) {
  if (!started_) {
    started_ = true;
    next_msg_ = now;
    byte_stamp_ = now;
  }
  last_send_ = now;
  if (now - window_start_ >= std::chrono::seconds(1)) {
    previous_window_sends_ = now - window_start_ < std::chrono::seconds(2) ? window_sends_ : 0;
    window_sends_ = 0;
    window_start_ = now;
  }
  ++window_sends_;
  if (msg_interval_ns_ > 0)
    next_msg_ = std::max(next_msg_, now) + std::chrono::nanoseconds(static_cast<std::int64_t>(msg_interval_ns_));
  if (byte_rate_per_ns_ > 0) {
    const double elapsed = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - byte_stamp_).count());
    byte_tokens_ = std::min(byte_capacity_, byte_tokens_ + std::max(0.0, elapsed) * byte_rate_per_ns_);
    byte_tokens_ -= static_cast<double>(bytes);
    byte_stamp_ = std::max(byte_stamp_, now);
  }
}

void Pacer::throttle(time_point now) {
  double recent = static_cast<double>(std::max(previous_window_sends_, window_sends_));
  if (const double current = throttled_rate(now); current > 0) recent = std::min(recent, current);
  if (recent <= 0) recent = configured_rate_ > 0 ? configured_rate_ : 1;
  throttle_base_ = std::max(1.0, recent / 2);
  throttled_at_ = now;
}

double Pacer::throttled_rate(time_point now) const {
  if (throttle_base_ <= 0) return 0;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - throttled_at_).count();
  const double rate = throttle_base_ * std::pow(kRecoverPerSecond, static_cast<double>(std::max<std::int64_t>(0, seconds)));
  const double cap = configured_rate_ > 0 ? configured_rate_ : kUnlimitedCeiling;
  return rate >= cap ? 0 : rate;
}

}  // namespace edgebridge
