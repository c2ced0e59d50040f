#pragma once
// When a device's worker tries its connection again (an iTach's TCP socket, a
// serial port): after a failed attempt and after a lost connection, with the
// decorrelated-jitter Backoff (core/backoff.hpp) of the device's `reconnect:`
// or `reopen:` policy. Worker thread only.

#include <string>

#include "core/backoff.hpp"
#include "core/clocks.hpp"

namespace edgebridge {

class ReconnectTimer {
 public:
  // What lost() does after a connection that stayed up `stable_after`:
  // try again at once, or after the (reset) backoff's first delay.
  enum class AfterStable { at_once, backoff };

  ReconnectTimer(ReconnectPolicy policy, AfterStable after_stable);

  // The first attempt is due now.
  void start(SteadyClock::time_point now) { next_attempt_ = now; }
  bool due(SteadyClock::time_point now) const { return now >= next_attempt_; }
  SteadyClock::time_point next_attempt() const { return next_attempt_; }

  // The connection is up.
  void connected(SteadyClock::time_point now);
  // An attempt failed: the delay before the next one. `news` is true when
  // `why` differs from the last error (log it at warn, else at debug).
  std::chrono::milliseconds failed(const std::string& why, SteadyClock::time_point now, bool& news);
  // The connection went down.
  void lost(const std::string& why, SteadyClock::time_point now);

  const std::string& last_error() const { return last_error_; }
  int failures() const { return failures_; }  // attempts failed in a row

 private:
  ReconnectPolicy policy_;
  AfterStable after_stable_;
  Backoff backoff_;
  SteadyClock::time_point next_attempt_{};
  SteadyClock::time_point connected_at_{};
  std::string last_error_;
  int failures_ = 0;
};

}  // namespace edgebridge
