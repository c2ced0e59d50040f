#include <catch2/catch.hpp>

#include "core/backoff.hpp"
#include "mqtt/echo_filter.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;
using Duration = std::chrono::milliseconds;

TEST_CASE("reconnect delays grow with decorrelated jitter and stay within min and max", "[backoff]") {
  ReconnectPolicy policy{Duration(1000), Duration(60'000), Duration(60'000)};
  Backoff backoff(policy, 42);
  Duration previous = policy.min_delay;
  Duration longest{0};
  for (int i = 0; i < 1000; ++i) {
    Duration d = backoff.next();
    CHECK(d >= policy.min_delay);
    CHECK(d <= policy.max_delay);
    CHECK(d <= std::max(policy.min_delay, previous * 3));
    longest = std::max(longest, d);
    previous = d;
  }
  CHECK(longest > Duration(30'000));  // it does back off, not retry every second
}

TEST_CASE("never more than one CONNECT per second, whatever the policy says", "[backoff]") {
  Backoff backoff(ReconnectPolicy{Duration(10), Duration(20), Duration(1000)}, 1);
  for (int i = 0; i < 100; ++i) CHECK(backoff.next() >= Duration(1000));
}

TEST_CASE("a connection that stayed up long enough starts the backoff over", "[backoff]") {
  ReconnectPolicy policy{Duration(1000), Duration(60'000), Duration(30'000)};
  Backoff backoff(policy, 7);
  for (int i = 0; i < 20; ++i) backoff.next();
  backoff.connection_ended(Duration(31'000));
  CHECK(backoff.next() <= Duration(3000));

  for (int i = 0; i < 20; ++i) backoff.next();
  backoff.connection_ended(Duration(5'000));  // a flapping link keeps backing off
  bool stayed_long = false;
  for (int i = 0; i < 5; ++i) stayed_long |= backoff.next() > Duration(3000);
  CHECK(stayed_long);
}

TEST_CASE("our own publish coming back on a 3.1.1 subscription is recognised once", "[echo]") {
  EchoFilter filter(10s);
  const auto t0 = EchoFilter::clock::now();
  filter.published("sync/a", "1", t0);
  filter.published("sync/a", "1", t0);
  CHECK_FALSE(filter.is_echo("sync/a", "2", t0));
  CHECK_FALSE(filter.is_echo("sync/b", "1", t0));
  CHECK(filter.is_echo("sync/a", "1", t0 + 1s));
  CHECK(filter.is_echo("sync/a", "1", t0 + 1s));
  CHECK_FALSE(filter.is_echo("sync/a", "1", t0 + 1s));  // a third copy is someone else's
}

TEST_CASE("fingerprints expire, so a later identical message from elsewhere passes", "[echo]") {
  EchoFilter filter(5s);
  const auto t0 = EchoFilter::clock::now();
  filter.published("sync/a", "1", t0);
  CHECK_FALSE(filter.is_echo("sync/a", "1", t0 + 6s));
  CHECK(filter.size() == 0);
}
