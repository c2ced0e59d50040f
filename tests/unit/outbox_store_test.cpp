#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "outbox/outbox.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> payloads(const std::vector<OutboxRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.message.payload);
  return out;
}

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(std::to_string(i));
  return out;
}

}  // namespace

TEST_CASE("rows come back oldest first, each remote in its own order", "[outbox]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& ops = store.queue("ops", OutboxLimits{});
  OutboxQueue& audit = store.queue("audit", OutboxLimits{});
  for (int i = 1; i <= 200; ++i) {
    REQUIRE(put(ops, make_message("t/ops", std::to_string(i))) == Delivery::ok);
    if (i % 2 == 0) REQUIRE(put(audit, make_message("t/audit", std::to_string(i / 2))) == Delivery::ok);
  }
  store.flush();
  CHECK(payloads(ops.read_after(0, 1000)) == numbered(1, 200));
  CHECK(payloads(audit.read_after(0, 1000)) == numbered(1, 100));
  auto first = ops.read_after(0, 10);
  REQUIRE(first.size() == 10);
  CHECK(payloads(ops.read_after(first.back().id, 5)) == numbered(11, 15));
}

TEST_CASE("every field of a message survives the round trip", "[outbox]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  Message m = make_message("site1/sensors/ä", std::string("\0bin\xff", 5), 0);
  m.retain = true;
  // Stored with millisecond precision.
  m.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - 1h);
  put(q, m);
  put(q, make_message("empty", ""));
  store.flush();
  auto rows = q.read_after(0, 10);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].message.topic == m.topic);
  CHECK(rows[0].message.payload == m.payload);
  CHECK(rows[0].message.qos == 0);
  CHECK(rows[0].message.retain);
  CHECK(rows[0].message.received_at == m.received_at);
  CHECK(rows[1].message.payload.empty());
}

TEST_CASE("rows survive a reopen", "[outbox]") {
  ScratchDir dir;
  std::vector<std::int64_t> ids;
  {
    OutboxStore store(options_for(dir));
    OutboxQueue& q = store.queue("ops", OutboxLimits{});
    for (int i = 1; i <= 50; ++i) put(q, make_message("t", std::to_string(i)));
    // No flush: closing the store commits what is pending.
  }
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  auto rows = q.read_after(0, 100);
  CHECK(payloads(rows) == numbered(1, 50));
  CHECK(q.counters().depth == 50);
  CHECK(q.counters().stored == 50);
  CHECK(store.quarantined_path().empty());
}

TEST_CASE("acked rows are deleted and never read again, also after a reopen", "[outbox]") {
  ScratchDir dir;
  {
    OutboxStore store(options_for(dir));
    OutboxQueue& q = store.queue("ops", OutboxLimits{});
    for (int i = 1; i <= 10; ++i) put(q, make_message("t", std::to_string(i)));
    store.flush();
    auto rows = q.read_after(0, 10);
    for (int i : {0, 1, 2, 5}) q.ack(rows[static_cast<std::size_t>(i)].id);
    store.flush();
    CHECK(payloads(q.read_after(0, 10)) == std::vector<std::string>{"4", "5", "7", "8", "9", "10"});
    CHECK(q.counters().depth == 6);
    CHECK(q.counters().acked == 4);
  }
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  CHECK(payloads(q.read_after(0, 10)) == std::vector<std::string>{"4", "5", "7", "8", "9", "10"});
  CHECK(q.counters().acked == 4);
}

TEST_CASE("ids keep growing after the queue ran empty, also across a reopen", "[outbox]") {
  ScratchDir dir;
  std::int64_t last = 0;
  {
    OutboxStore store(options_for(dir));
    OutboxQueue& q = store.queue("ops", OutboxLimits{});
    put(q, make_message("t", "a"));
    store.flush();
    auto rows = q.read_after(0, 10);
    REQUIRE(rows.size() == 1);
    last = rows[0].id;
    q.ack(last);
    store.flush();
    REQUIRE(q.counters().depth == 0);
    put(q, make_message("t", "b"));
    store.flush();
    rows = q.read_after(last, 10);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].id > last);
    last = rows[0].id;
    q.ack(last);
  }
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  put(q, make_message("t", "c"));
  store.flush();
  auto rows = q.read_after(0, 10);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].id > last);
}

TEST_CASE("enqueues from many threads are all committed, each thread in its order", "[outbox]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) put(q, make_message("t/" + std::to_string(t), std::to_string(i)));
    });
  for (auto& t : threads) t.join();
  store.flush();
  auto rows = q.read_after(0, kThreads * kEach + 10);
  REQUIRE(rows.size() == kThreads * kEach);
  std::vector<int> next(kThreads, 0);
  for (const auto& r : rows) {
    int t = std::stoi(r.message.topic.substr(2));
    CHECK(std::stoi(r.message.payload) == next[static_cast<std::size_t>(t)]++);
  }
  auto c = q.counters();
  CHECK(c.stored == kThreads * kEach);
  CHECK(c.pending == 0);
}

TEST_CASE("a store in a directory that cannot hold it fails at once with a reason", "[outbox]") {
  ScratchDir dir;
  OutboxOptions o;
  o.path = dir.file("missing/dir/outbox.db");
  CHECK_THROWS_WITH(OutboxStore(o), Catch::Contains("Cannot open the outbox database"));
}

TEST_CASE("the WAL is copied back into the database file while the store runs", "[outbox]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  // ~8 MB: well past the 1,000 pages (4 MB) from which a checkpoint starts.
  for (int i = 0; i < 16'000; ++i) put(q, make_message("t", std::string(500, 'p')));
  store.flush();
  CHECK(eventually([&] { return std::filesystem::file_size(o.path) > 4'000'000; }));
  CHECK(q.read_after(0, 20'000).size() == 16'000);
}
