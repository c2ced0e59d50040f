#include "observe/outbox_history.hpp"

#include <cmath>

#include "core/timestamps.hpp"

namespace edgebridge {

OutboxHistory::OutboxHistory(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

void OutboxHistory::sample(std::chrono::system_clock::time_point at,
                           const std::vector<std::pair<std::string, OutboxCounters>>& outboxes) {
  const std::int64_t at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  std::map<std::string, std::deque<Point>> next;
  for (const auto& [name, counters] : outboxes) {
    auto& points = next[name];
    if (auto it = remotes_.find(name); it != remotes_.end()) points = std::move(it->second);
    points.push_back({at_ms, counters.depth, counters.acked});
    while (points.size() > capacity_) points.pop_front();
  }
  remotes_ = std::move(next);
}

std::size_t OutboxHistory::points(const std::string& remote) const {
  auto it = remotes_.find(remote);
  return it == remotes_.end() ? 0 : it->second.size();
}

nlohmann::json OutboxHistory::to_json(std::chrono::system_clock::time_point now) const {
  nlohmann::json remotes = nlohmann::json::object();
  for (const auto& [name, points] : remotes_) {
    nlohmann::json t = nlohmann::json::array(), depth = nlohmann::json::array(), rate = nlohmann::json::array();
    const Point* previous = nullptr;
    for (const auto& p : points) {
      t.push_back(p.at_ms / 1000);
      depth.push_back(p.depth);
      if (previous && p.forwarded >= previous->forwarded && p.at_ms > previous->at_ms) {
        const double per_s = static_cast<double>(p.forwarded - previous->forwarded) * 1000.0 /
                             static_cast<double>(p.at_ms - previous->at_ms);
        rate.push_back(std::round(per_s * 100.0) / 100.0);
      } else {
        rate.push_back(nullptr);
      }
      previous = &p;
    }
    remotes[name] = {{"t", t}, {"depth", depth}, {"rate", rate}};
  }
  return {{"now", format_rfc3339_ms(now)},
          {"interval_s", std::chrono::duration_cast<std::chrono::seconds>(kSampleEvery).count()},
          {"remotes", remotes}};
}

}  // namespace edgebridge
