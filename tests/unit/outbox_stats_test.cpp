#include <catch2/catch.hpp>

#include <algorithm>

#include "outbox/outbox.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;

namespace {

std::uint64_t counter(const OutboxQueueStats& s, const std::string& name) {
  for (const auto& [n, v] : s.counters)
    if (n == name) return v;
  FAIL("no counter " << name);
  return 0;
}

}  // namespace

TEST_CASE("counters follow what happened to the messages", "[outbox][counters]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxLimits l;
  l.max_messages = 5;
  l.overflow = Overflow::drop_newest;
  OutboxQueue& q = store.queue("ops", l);
  for (int i = 0; i < 7; ++i) put(q, make_message("ab", "12345678"));
  q.count_drop(DropReason::qos0_offline);
  store.flush();
  auto rows = q.read_after(0, 10);
  q.count_sent(3);
  q.ack(rows[0].id);
  q.ack(rows[1].id);
  store.flush();
  auto c = q.counters();
  CHECK(c.stored == 5);
  CHECK(c.bytes_written == 50);
  CHECK(c.sent == 3);
  CHECK(c.acked == 2);
  CHECK(c.depth == 3);
  CHECK(c.depth_bytes == 30);
  CHECK(c.pending == 0);
  CHECK(dropped(c, DropReason::overflow_newest) == 2);
  CHECK(dropped(c, DropReason::qos0_offline) == 1);
}

TEST_CASE("read_outbox_stats reports each remote while the store is open", "[outbox][counters]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  OutboxStore store(o);
  OutboxQueue& ops = store.queue("ops", OutboxLimits{});
  OutboxQueue& audit = store.queue("audit", OutboxLimits{});
  Message m = make_message("ab", "12345678");
  m.received_at = std::chrono::system_clock::now() - 90s;
  for (int i = 0; i < 4; ++i) put(ops, m);
  put(audit, m);
  ops.count_sent(2);
  store.flush();

  auto stats = read_outbox_stats(o.path);
  REQUIRE(stats.size() == 2);
  std::sort(stats.begin(), stats.end(), [](auto& a, auto& b) { return a.remote < b.remote; });
  CHECK(stats[0].remote == "audit");
  CHECK(stats[0].depth == 1);
  CHECK(stats[1].remote == "ops");
  CHECK(stats[1].depth == 4);
  CHECK(stats[1].depth_bytes == 40);
  CHECK(stats[1].oldest_age_ms >= 90'000);
  CHECK(stats[1].oldest_age_ms < 150'000);
  CHECK(counter(stats[1], "stored") == 4);
  CHECK(counter(stats[1], "sent") == 2);
  CHECK(counter(stats[1], "overflow_oldest") == 0);

  // The store keeps working while (and after) someone looked.
  put(ops, m);
  store.flush();
  CHECK(read_outbox_stats(o.path)[1].depth == 5);
}

TEST_CASE("counters survive a reopen", "[outbox][counters]") {
  ScratchDir dir;
  {
    OutboxStore store(options_for(dir));
    OutboxQueue& q = store.queue("ops", OutboxLimits{});
    for (int i = 0; i < 3; ++i) put(q, make_message("t", "x"));
    q.count_sent(3);
    q.count_drop(DropReason::qos0_offline);
  }
  OutboxStore store(options_for(dir));
  auto c = store.queue("ops", OutboxLimits{}).counters();
  CHECK(c.stored == 3);
  CHECK(c.sent == 3);
  CHECK(dropped(c, DropReason::qos0_offline) == 1);
  CHECK(c.depth == 3);
}

TEST_CASE("read_outbox_stats on a missing file says so", "[outbox][counters]") {
  ScratchDir dir;
  CHECK_THROWS_WITH(read_outbox_stats(dir.file("nothing.db")), Catch::Contains("Cannot read the outbox database"));
}
