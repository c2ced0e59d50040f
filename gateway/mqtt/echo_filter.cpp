#include "mqtt/echo_filter.hpp"

namespace edgebridge {

std::uint64_t EchoFilter::fingerprint(const std::string& topic, const std::string& payload) {
  // FNV-1a over topic, a separator and payload.
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ULL;
  };
  for (char c : topic) mix(static_cast<unsigned char>(c));
  mix(0);
  mix(0xff);
  for (char c : payload) mix(static_cast<unsigned char>(c));
  return h;
}

void EchoFilter::expire(clock::time_point now) {
  while (!order_.empty() && now - order_.front().first > ttl_) {
    auto it = counts_.find(order_.front().second);
    if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
    order_.pop_front();
  }
}

void EchoFilter::published(const std::string& topic, const std::string& payload, clock::time_point now) {
  const auto fp = fingerprint(topic, payload);
  std::lock_guard<std::mutex> lock(mutex_);
  expire(now);
  ++counts_[fp];
  order_.emplace_back(now, fp);
}

bool EchoFilter::is_echo(const std::string& topic, const std::string& payload, clock::time_point now) {
  const auto fp = fingerprint(topic, payload);
  std::lock_guard<std::mutex> lock(mutex_);
  expire(now);
  auto it = counts_.find(fp);
  if (it == counts_.end()) return false;
  // Consume one: the matching entry in order_ stays until it expires, and then
  // must not decrement again, so mark it by pushing the count below.
  if (--it->second <= 0) counts_.erase(it);
  for (auto& entry : order_) {
    if (entry.second == fp) {
      entry.second = 0;  // 0 is never a real FNV-1a fingerprint here; expiry ignores it
      break;
    }
  }
  return true;
}

std::size_t EchoFilter::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_.size();
}

}  // namespace edgebridge
