#pragma once
// Is the wall clock good enough for TLS?
//
// A Raspberry Pi has no real-time clock: it boots with the time it had when it
// last shut down (or 1970), and until NTP corrects it every certificate looks
// "not yet valid". The clock is plausible when the kernel says it is
// synchronised (adjtimex), or when it is later than the day edgebridge was
// built. Until then remotes wait (devices keep being read and messages keep
// being stored); they connect as soon as the clock is right.
//
// For tests, EDGEBRIDGE_CLOCK_FILE names a file holding the seconds since 1970
// that the check believes instead of the system clock; a clock read from that
// file never counts as synchronised.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace edgebridge {

struct ClockReading {
  std::int64_t now_seconds = 0;  // since 1970, UTC
  bool synchronised = false;     // the kernel's word (NTP, chrony, timesyncd)
};

// Empty when the reading is plausible, else the reason to wait, in words.
std::string clock_problem(const ClockReading& reading, std::int64_t build_epoch_seconds);

class ClockCheck {
 public:
  using Source = std::function<std::optional<ClockReading>()>;
  // The system clock and adjtimex, or EDGEBRIDGE_CLOCK_FILE when it is set.
  ClockCheck();
  ClockCheck(Source source, std::int64_t build_epoch_seconds);

  // Empty when remotes may connect now, else why they wait.
  std::string problem() const;

 private:
  Source source_;
  std::int64_t build_epoch_seconds_;
};

}  // namespace edgebridge
