#pragma once
// The two clocks, one name each, everywhere in the code:
//  - WallClock: calendar time. Timestamps in messages ("ts", received_at),
//    the outbox's columns, TTLs, rule state. It can jump (NTP, a wrong RTC).
//  - SteadyClock: intervals and deadlines (backoff, timeouts, polling). It
//    never jumps and means nothing outside this process.

#include <chrono>
#include <cstdint>

namespace edgebridge {

using WallClock = std::chrono::system_clock;
using SteadyClock = std::chrono::steady_clock;

// Milliseconds since the Unix epoch, as the outbox and the rules store them.
inline std::int64_t to_epoch_ms(WallClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline WallClock::time_point from_epoch_ms(std::int64_t ms) {
  return WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace edgebridge
