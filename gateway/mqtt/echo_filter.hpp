#pragma once
// Loop prevention on MQTT 3.1.1 connections, which lack v5's No Local: what we
// published on a connection is remembered for a short time by a fingerprint of
// topic and payload; the same message coming back on our own subscription is
// recognised and dropped once per publish. (On MQTT v5 the broker never sends
// our own publishes back, and this filter is not used.)

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace edgebridge {

class EchoFilter {
 public:
  using clock = std::chrono::steady_clock;
  explicit EchoFilter(std::chrono::milliseconds ttl = std::chrono::milliseconds(10'000)) : ttl_(ttl) {}
  void published(const std::string& topic, const std::string& payload, clock::time_point now = clock::now());
  // True if this message is the echo of one we published (and consumes it).
  bool is_echo(const std::string& topic, const std::string& payload, clock::time_point now = clock::now());
  std::size_t size() const;

 private:
  static std::uint64_t fingerprint(const std::string& topic, const std::string& payload);
  void expire(clock::time_point now);

  std::chrono::milliseconds ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, int> counts_;
  std::deque<std::pair<clock::time_point, std::uint64_t>> order_;
};

}  // namespace edgebridge
