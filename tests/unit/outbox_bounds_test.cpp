#include <catch2/catch.hpp>

#include "outbox/outbox.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;

namespace {

std::vector<int> numbers(const std::vector<OutboxRow>& rows) {
  std::vector<int> out;
  for (const auto& r : rows) out.push_back(std::stoi(r.message.payload));
  return out;
}

std::vector<int> range(int from, int to) {
  std::vector<int> out;
  for (int i = from; i <= to; ++i) out.push_back(i);
  return out;
}

OutboxLimits limits(std::uint64_t messages, std::uint64_t bytes, Overflow overflow) {
  OutboxLimits l;
  l.max_messages = messages;
  l.max_bytes = bytes;
  l.overflow = overflow;
  return l;
}

}  // namespace

TEST_CASE("drop_oldest keeps the newest max_messages rows and counts the ones it removed", "[outbox][bounds]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", limits(100, 1 << 30, Overflow::drop_oldest));
  const bool commit_each = GENERATE(false, true);  // one big batch, or one batch per message
  for (int i = 1; i <= 150; ++i) {
    REQUIRE(put(q, make_message("t", std::to_string(i))) == Delivery::ok);
    if (commit_each) store.flush();
  }
  store.flush();
  CHECK(numbers(q.read_after(0, 1000)) == range(51, 150));
  auto c = q.counters();
  CHECK(c.depth == 100);
  CHECK(dropped(c, DropReason::overflow_oldest) == 50);
  CHECK(dropped(c, DropReason::overflow_newest) == 0);
  CHECK(c.stored == 150);
}

TEST_CASE("drop_newest refuses what does not fit and counts it", "[outbox][bounds]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", limits(100, 1 << 30, Overflow::drop_newest));
  int refused = 0;
  for (int i = 1; i <= 150; ++i)
    if (put(q, make_message("t", std::to_string(i))) == Delivery::error) ++refused;
  store.flush();
  CHECK(refused == 50);
  CHECK(numbers(q.read_after(0, 1000)) == range(1, 100));
  auto c = q.counters();
  CHECK(c.depth == 100);
  CHECK(dropped(c, DropReason::overflow_newest) == 50);
  CHECK(dropped(c, DropReason::overflow_oldest) == 0);
  CHECK(c.stored == 100);
}

TEST_CASE("drop_newest takes messages again once acks made room", "[outbox][bounds]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", limits(10, 1 << 30, Overflow::drop_newest));
  for (int i = 1; i <= 10; ++i) REQUIRE(put(q, make_message("t", std::to_string(i))) == Delivery::ok);
  CHECK(put(q, make_message("t", "11")) == Delivery::error);
  store.flush();
  auto rows = q.read_after(0, 3);
  for (const auto& r : rows) q.ack(r.id);
  store.flush();
  for (int i = 12; i <= 14; ++i) CHECK(put(q, make_message("t", std::to_string(i))) == Delivery::ok);
  CHECK(put(q, make_message("t", "15")) == Delivery::error);
  store.flush();
  CHECK(numbers(q.read_after(0, 100)) == std::vector<int>{4, 5, 6, 7, 8, 9, 10, 12, 13, 14});
}

TEST_CASE("drop_oldest applies max_bytes exactly, counting topic and payload bytes", "[outbox][bounds]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  // Each message: topic "t" (1 byte) + a 9-byte payload = 10 bytes; 1,005 bytes hold 100 of them.
  OutboxQueue& q = store.queue("ops", limits(1'000'000, 1005, Overflow::drop_oldest));
  for (int i = 1; i <= 150; ++i) {
    char payload[16];
    std::snprintf(payload, sizeof payload, "%09d", i);
    put(q, make_message("t", payload));
  }
  store.flush();
  CHECK(numbers(q.read_after(0, 1000)) == range(51, 150));
  auto c = q.counters();
  CHECK(c.depth_bytes == 1000);
  CHECK(dropped(c, DropReason::overflow_oldest) == 50);

  // A bigger message pushes out as many of the oldest as it needs.
  put(q, make_message("t", std::string(35, 'x')));  // 36 bytes: 4 oldest (40 bytes) make room
  store.flush();
  c = q.counters();
  CHECK(dropped(c, DropReason::overflow_oldest) == 54);
  CHECK(c.depth_bytes == 996);
  CHECK(std::stoi(q.read_after(0, 1)[0].message.payload) == 55);
}

TEST_CASE("drop_newest applies max_bytes exactly", "[outbox][bounds]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", limits(1'000'000, 1005, Overflow::drop_newest));
  int refused = 0;
  for (int i = 1; i <= 150; ++i) {
    char payload[16];
    std::snprintf(payload, sizeof payload, "%09d", i);
    if (put(q, make_message("t", payload)) == Delivery::error) ++refused;
  }
  CHECK(refused == 50);
  CHECK(put(q, make_message("t", "1234")) == Delivery::ok);  // 5 bytes still fit
  CHECK(put(q, make_message("t", "")) == Delivery::error);   // and then not even 1
  store.flush();
  auto c = q.counters();
  CHECK(c.depth == 101);
  CHECK(c.depth_bytes == 1005);
  CHECK(dropped(c, DropReason::overflow_newest) == 51);
}

TEST_CASE("a message larger than max_bytes is refused under either policy", "[outbox][bounds]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  const Overflow policy = GENERATE(Overflow::drop_oldest, Overflow::drop_newest);
  OutboxQueue& q = store.queue(to_string(policy), limits(100, 64, policy));
  put(q, make_message("t", "keep me"));
  CHECK(put(q, make_message("t", std::string(64, 'x'))) == Delivery::error);
  store.flush();
  CHECK(q.counters().depth == 1);
  CHECK(dropped(q.counters(), DropReason::overflow_newest) == 1);
}

TEST_CASE("new limits apply on the next batch after a reload", "[outbox][bounds]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", limits(100, 1 << 30, Overflow::drop_oldest));
  for (int i = 1; i <= 50; ++i) put(q, make_message("t", std::to_string(i)));
  store.flush();
  OutboxQueue& same = store.queue("ops", limits(20, 1 << 30, Overflow::drop_oldest));
  CHECK(&same == &q);
  put(q, make_message("t", "51"));
  store.flush();
  CHECK(numbers(q.read_after(0, 100)) == range(32, 51));
}
