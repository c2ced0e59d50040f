#include <catch2/catch.hpp>

#include "outbox/outbox.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;

namespace {

OutboxLimits with_ttl(Duration ttl) {
  OutboxLimits l;
  l.ttl = ttl;
  return l;
}

}  // namespace

TEST_CASE("rows older than the ttl are never read and are counted as expired", "[outbox][ttl]") {
  ScratchDir dir;
  FakeWallClock clock;
  OutboxOptions o = options_for(dir);
  o.clock = clock.fn();
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", with_ttl(60'000ms));
  for (int i = 1; i <= 5; ++i) put(q, make_message("t", "old" + std::to_string(i)));
  clock.advance(30s);
  for (int i = 1; i <= 3; ++i) put(q, make_message("t", "new" + std::to_string(i)));
  store.flush();
  CHECK(q.counters().oldest_age_ms == 30'000);

  clock.advance(30'001ms);  // the first five are now older than 60 s
  auto rows = q.read_after(0, 100);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].message.payload == "new1");
  // The read asked the writer to delete them; they are counted once.
  REQUIRE(eventually([&] { return dropped(q.counters(), DropReason::ttl_expired) == 5; }));
  CHECK(q.counters().depth == 3);
  CHECK(q.counters().oldest_age_ms == 30'001);
}

TEST_CASE("expired rows are swept while nobody reads", "[outbox][ttl]") {
  ScratchDir dir;
  FakeWallClock clock;
  OutboxOptions o = options_for(dir);
  o.clock = clock.fn();
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", with_ttl(1000ms));
  for (int i = 0; i < 10; ++i) put(q, make_message("t", "x"));
  store.flush();
  clock.advance(1001ms);
  // The writer sweeps once a second on its own.
  REQUIRE(eventually([&] { return q.counters().depth == 0; }));
  CHECK(dropped(q.counters(), DropReason::ttl_expired) == 10);
  CHECK(q.counters().oldest_age_ms == 0);
}

TEST_CASE("the ttl counts from when the message entered the gateway", "[outbox][ttl]") {
  ScratchDir dir;
  FakeWallClock clock;
  OutboxOptions o = options_for(dir);
  o.clock = clock.fn();
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", with_ttl(60'000ms));
  Message late = make_message("t", "received long ago");
  late.received_at = clock.now() - 61s;
  put(q, late);
  put(q, make_message("t", "fresh"));
  store.flush();
  auto rows = q.read_after(0, 10);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].message.payload == "fresh");
  CHECK(rows[0].message.received_at == clock.now());
}

TEST_CASE("ttl 0 keeps rows however old they get", "[outbox][ttl]") {
  ScratchDir dir;
  FakeWallClock clock;
  OutboxOptions o = options_for(dir);
  o.clock = clock.fn();
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", with_ttl(0ms));
  put(q, make_message("t", "x"));
  store.flush();
  clock.advance(std::chrono::hours(24 * 365));
  CHECK(q.read_after(0, 10).size() == 1);
  store.flush();
  CHECK(dropped(q.counters(), DropReason::ttl_expired) == 0);
}
