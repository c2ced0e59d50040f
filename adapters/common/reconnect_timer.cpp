#include "common/reconnect_timer.hpp"

namespace edgebridge {

ReconnectTimer::ReconnectTimer(ReconnectPolicy policy, AfterStable after_stable)
    : policy_(policy), after_stable_(after_stable), backoff_(policy) {}

void ReconnectTimer::connected(SteadyClock::time_point now) {
  connected_at_ = now;
  failures_ = 0;
  last_error_.clear();
}

std::chrono::milliseconds ReconnectTimer::failed(const std::string& why, SteadyClock::time_point now, bool& news) {
  ++failures_;
  news = why != last_error_;
  last_error_ = why;
  const auto delay = backoff_.next();
  next_attempt_ = now + delay;
  return delay;
}

void ReconnectTimer::lost(const std::string& why, SteadyClock::time_point now) {
  const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(now - connected_at_);
  // A connection that stayed up a while starts the backoff over; a flapping one backs off.
  backoff_.connection_ended(uptime);
  const bool stable = uptime >= policy_.stable_after;
  next_attempt_ = now +
                  (stable && after_stable_ == AfterStable::at_once ? std::chrono::milliseconds(0) : backoff_.next());
  last_error_ = why;
}

}  // namespace edgebridge
