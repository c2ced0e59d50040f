#pragma once
// The last hour of each remote's outbox for the status page's chart: how many
// messages waited and how many were forwarded (acknowledged), sampled by the
// observer thread every kSampleEvery. Bounded: at most `capacity` points per
// remote (360 = one hour at 10 s), kept in memory only.
//
// GET /history:
// {"now","interval_s","remotes":{NAME:{"t":[unix s],"depth":[n],"rate":[msg/s or null]}}}
// "rate" is the forwarded count's increase since the previous point divided by
// the time between them (null for a remote's first point, or when the count
// went back, e.g. after the remote was removed and added again).
//
// Not thread-safe: one observer thread samples and answers.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "outbox/outbox.hpp"

namespace edgebridge {

class OutboxHistory {
 public:
  static constexpr std::chrono::seconds kSampleEvery{10};
  static constexpr std::size_t kOneHour = 360;

  explicit OutboxHistory(std::size_t capacity = kOneHour);

  // One point per remote in `outboxes`; remotes no longer there are forgotten.
  void sample(std::chrono::system_clock::time_point at,
              const std::vector<std::pair<std::string, OutboxCounters>>& outboxes);
  std::size_t points(const std::string& remote) const;
  nlohmann::json to_json(std::chrono::system_clock::time_point now) const;

 private:
  struct Point {
    std::int64_t at_ms = 0;
    std::uint64_t depth = 0;
    std::uint64_t forwarded = 0;
  };
  std::size_t capacity_;
  std::map<std::string, std::deque<Point>> remotes_;
};

}  // namespace edgebridge
