#include <catch2/catch.hpp>

#include <deque>
#include <random>

#include "outbox/pacer.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

struct Send {
  Clock::time_point at;
  std::size_t bytes;
};

// Sends as fast as the pacer allows (plus random scheduling jitter) for
// `duration` of simulated time.
std::vector<Send> run(Pacer& pacer, std::chrono::seconds duration, const std::function<std::size_t()>& size,
                      std::chrono::microseconds max_jitter = 0us) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::int64_t> jitter(0, max_jitter.count());
  std::vector<Send> sends;
  Clock::time_point start{};
  Clock::time_point now = start;
  std::size_t next = size();
  while (now - start < duration) {
    auto d = pacer.delay(now, next);
    if (d.count() > 0) {
      now += d + std::chrono::microseconds(jitter(rng));
      continue;
    }
    pacer.sent(now, next);
    sends.push_back({now, next});
    next = size();
  }
  return sends;
}

// The most messages and bytes any half-open one-second window holds.
std::pair<std::size_t, std::size_t> busiest_second(const std::vector<Send>& sends) {
  std::size_t most = 0, most_bytes = 0, bytes = 0, first = 0;
  for (std::size_t last = 0; last < sends.size(); ++last) {
    bytes += sends[last].bytes;
    while (sends[last].at - sends[first].at >= 1s) bytes -= sends[first++].bytes;
    most = std::max(most, last - first + 1);
    most_bytes = std::max(most_bytes, bytes);
  }
  return {most, most_bytes};
}

}  // namespace

TEST_CASE("100/s never puts more than 100 publishes in any one-second window", "[pacer]") {
  Pacer pacer(Rate{100}, Rate{});
  const auto jitter = GENERATE(0us, 3000us);
  auto sends = run(pacer, 3600s, [] { return std::size_t{100}; }, jitter);
  CHECK(busiest_second(sends).first <= 100);
  // ... and a sender that wakes on time is not much slower than that either (a
  // late one loses the lateness: the bucket holds one token, so no catching up).
  if (jitter == 0us) CHECK(sends.size() >= 3600 * 97);
}

TEST_CASE("other message rates hold over a long run", "[pacer]") {
  const double rate = GENERATE(1.0, 10.0, 20.0, 1000.0);
  Pacer pacer(Rate{rate}, Rate{});
  auto sends = run(pacer, 600s, [] { return std::size_t{10}; });
  CHECK(busiest_second(sends).first <= static_cast<std::size_t>(rate));
  CHECK(static_cast<double>(sends.size()) >= 600 * rate * 0.97);
}

TEST_CASE("a message after a quiet spell goes at once, the next one a full interval later", "[pacer]") {
  Pacer pacer(Rate{100}, Rate{});
  Clock::time_point t{};
  CHECK(pacer.delay(t, 10).count() == 0);
  pacer.sent(t, 10);
  CHECK(pacer.delay(t, 10) > 10ms);  // 1 / (0.97 * 100/s)
  CHECK(pacer.delay(t, 10) < 10400us);
  t += 1h;
  CHECK(pacer.delay(t, 10).count() == 0);
  pacer.sent(t, 10);
  CHECK(pacer.delay(t, 10) > 10ms);  // no burst saved up from the quiet hour
}

TEST_CASE("a byte rate holds in every one-second window for messages up to 1 % of it", "[pacer]") {
  Pacer pacer(Rate{}, Rate{100'000});
  std::mt19937 rng(3);
  std::uniform_int_distribution<std::size_t> sizes(1, 1000);
  auto sends = run(pacer, 600s, [&] { return sizes(rng); }, 500us);
  auto [count, bytes] = busiest_second(sends);
  CHECK(bytes <= 100'000);
  std::size_t total = 0;
  for (const auto& s : sends) total += s.bytes;
  CHECK(static_cast<double>(total) >= 600 * 100'000 * 0.96);
  CHECK(count > 0);
}

TEST_CASE("a message bigger than the byte bucket still goes, and the long-run rate holds", "[pacer]") {
  Pacer pacer(Rate{}, Rate{10'000});  // the bucket holds 100 bytes
  auto sends = run(pacer, 600s, [] { return std::size_t{5000}; });
  REQUIRE(sends.size() > 1);
  const auto span = std::chrono::duration<double>(sends.back().at - sends.front().at).count();
  const double rate = static_cast<double>((sends.size() - 1) * 5000) / span;
  CHECK(rate <= 10'000);
  CHECK(rate >= 9'600);
}

TEST_CASE("both limits at once: the stricter one decides", "[pacer]") {
  Pacer pacer(Rate{1000}, Rate{50'000});  // 1000 msg/s, but bytes allow only 500 of 100 bytes
  auto sends = run(pacer, 300s, [] { return std::size_t{100}; });
  auto [count, bytes] = busiest_second(sends);
  CHECK(count <= 500);
  CHECK(bytes <= 50'000);
  CHECK(sends.size() >= 300 * 500 * 96 / 100);
}

TEST_CASE("unlimited never waits", "[pacer]") {
  Pacer pacer(Rate{}, Rate{});
  Clock::time_point t{};
  for (int i = 0; i < 100'000; ++i) {
    REQUIRE(pacer.delay(t, 1'000'000).count() == 0);
    pacer.sent(t, 1'000'000);
  }
}
