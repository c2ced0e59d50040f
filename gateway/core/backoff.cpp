#include "core/backoff.hpp"

#include <algorithm>

namespace edgebridge {
namespace {
using Duration = std::chrono::milliseconds;
}  // namespace

Backoff::Backoff(ReconnectPolicy policy, std::uint64_t seed)
    : policy_(policy), rng_(seed), previous_(policy.min_delay) {
  policy_.min_delay = std::max(policy_.min_delay, Duration(1000));
  policy_.max_delay = std::max(policy_.max_delay, policy_.min_delay);
  previous_ = policy_.min_delay;
}

Duration Backoff::next() {
  const auto low = policy_.min_delay.count();
  const auto high = std::max(low, std::min(policy_.max_delay.count(), previous_.count() * 3));
  std::uniform_int_distribution<Duration::rep> pick(low, high);
  previous_ = Duration(pick(rng_));
  return previous_;
}

void Backoff::connection_ended(Duration uptime) {
  if (uptime >= policy_.stable_after) reset();
}

void Backoff::reset() { previous_ = policy_.min_delay; }

}  // namespace edgebridge
