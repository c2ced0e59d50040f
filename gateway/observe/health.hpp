#pragma once
// /healthz: healthy while every configured remote is connected, or has been
// down for less than `gateway.health_grace` (counted from the start of the
// gateway for a remote that never connected, else from its last disconnect).
//
// The tracker samples LinkStatus (about twice a second, and on every request),
// so a disconnect is dated to within one sample; a drop and reconnect between
// two samples is seen through the connects counter.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/units.hpp"
#include "core/link_status.hpp"

namespace edgebridge {

struct RemoteHealth {
  std::string remote;
  bool connected = false;
  std::optional<std::chrono::system_clock::time_point> down_since;  // set when not connected
  bool within_grace = false;
  std::string last_error;
};

struct HealthVerdict {
  bool healthy = true;
  std::string text;  // one line per remote, in words
  std::vector<RemoteHealth> remotes;
};

class HealthTracker {
 public:
  using Clock = std::chrono::system_clock;
  HealthTracker(Duration grace, Clock::time_point started_at) : grace_(grace), started_at_(started_at) {}

  HealthVerdict observe(const std::vector<std::pair<std::string, LinkStatus>>& remotes, Clock::time_point now);

 private:
  struct Track {
    std::optional<Clock::time_point> down_since;
    std::uint64_t connects = 0;
    Clock::time_point seen_at{};
  };
  Duration grace_;
  Clock::time_point started_at_;
  std::map<std::string, Track> tracks_;
};

// "16:21:03 UTC (2m 5s ago)"
std::string describe_time_ago(std::chrono::system_clock::time_point at, std::chrono::system_clock::time_point now);

}  // namespace edgebridge
