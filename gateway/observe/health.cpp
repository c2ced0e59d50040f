#include "observe/health.hpp"

#include <algorithm>
#include <ctime>

namespace edgebridge {

std::string describe_time_ago(std::chrono::system_clock::time_point at, std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char clock[40];
  std::strftime(clock, sizeof clock, "%Y-%m-%d %H:%M:%S UTC", &utc);
  auto ago = std::chrono::duration_cast<Duration>(now - at);
  if (ago < Duration(0)) ago = Duration(0);
  ago = Duration(ago.count() / 1000 * 1000);  // whole seconds read better
  return std::string(clock) + " (" + (ago.count() == 0 ? "just now" : format_duration(ago) + " ago") + ")";
}

HealthVerdict HealthTracker::observe(const std::vector<std::pair<std::string, LinkStatus>>& remotes,
                                     Clock::time_point now) {
  HealthVerdict verdict;
  for (const auto& [name, status] : remotes) {
    auto found = tracks_.find(name);
    const bool first_look = found == tracks_.end();
    Track& track = tracks_[name];
    RemoteHealth h;
    h.remote = name;
    h.last_error = status.last_error;
    h.connected = status.state == LinkState::connected;
    if (h.connected) {
      track.down_since.reset();
    } else if (first_look && status.connects == 0) {
      track.down_since = started_at_;  // never connected: the grace counts from the start
    } else if (!track.down_since || status.connects != track.connects) {
      // Up at the last look (or up and down again since): it dropped after that look.
      Clock::time_point since = status.since == Clock::time_point{} ? now : status.since;
      if (!first_look) since = std::max(since, track.seen_at);
      track.down_since = std::min(since, now);
    }
    track.connects = status.connects;
    track.seen_at = now;
    h.down_since = track.down_since;
    h.within_grace = h.connected || (h.down_since && now - *h.down_since < grace_);
    if (!h.within_grace) verdict.healthy = false;
    std::string line = "remote " + name + ": ";
    if (h.connected) {
      line += "connected";
    } else {
      line += std::string(to_string(status.state)) + ", down since " + describe_time_ago(*h.down_since, now);
      line += h.within_grace ? ", within the grace of " + format_duration(grace_)
                             : ", longer than the grace of " + format_duration(grace_);
      if (!status.last_error.empty()) line += "; last error: " + status.last_error;
    }
    verdict.text += line + "\n";
    verdict.remotes.push_back(std::move(h));
  }
  if (remotes.empty()) verdict.text = "no remotes configured\n";
  verdict.text = std::string(verdict.healthy ? "ok" : "unhealthy") + "\n" + verdict.text;
  return verdict;
}

}  // namespace edgebridge
