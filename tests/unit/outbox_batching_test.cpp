// How the writer groups work into commits: a message after a quiet spell is
// committed at once, messages that follow soon after a commit wait and share
// the next one, and acknowledgements alone wait for company.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "outbox/outbox.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;

namespace {

// Records what every commit held.
struct CommitLog {
  std::mutex m;
  std::vector<OutboxCommitReport> reports;

  void attach(OutboxOptions& o) {
    o.on_commit = [this](const OutboxCommitReport& r) {
      std::lock_guard<std::mutex> lock(m);
      reports.push_back(r);
    };
  }
  std::vector<OutboxCommitReport> all() {
    std::lock_guard<std::mutex> lock(m);
    return reports;
  }
  std::size_t messages() {
    std::size_t n = 0;
    for (const auto& r : all()) n += r.messages;
    return n;
  }
};

}  // namespace

TEST_CASE("messages that follow soon after a commit share the next one", "[outbox][batching]") {
  ScratchDir dir;
  CommitLog log;
  OutboxOptions o = options_for(dir);
  o.max_batch_delay = 300ms;  // far longer than nine enqueues take
  log.attach(o);
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});

  REQUIRE(put(q, make_message("t", "1")) == Delivery::ok);
  REQUIRE(eventually([&] { return log.messages() == 1; }));  // alone after a quiet spell: at once
  for (int i = 2; i <= 10; ++i) REQUIRE(put(q, make_message("t", std::to_string(i))) == Delivery::ok);
  REQUIRE(eventually([&] { return log.messages() == 10; }));

  auto reports = log.all();
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].messages == 1);
  CHECK(reports[1].messages == 9);
  CHECK(reports[1].committed_at - reports[0].committed_at >= 250ms);
  CHECK(q.read_after(0, 20).size() == 10);
}

TEST_CASE("an acknowledgement alone waits and is committed with the next message", "[outbox][batching]") {
  ScratchDir dir;
  CommitLog log;
  OutboxOptions o = options_for(dir);
  o.ack_delay = 60s;  // never reached in this test
  log.attach(o);
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});

  put(q, make_message("t", "1"));
  store.flush();
  auto rows = q.read_after(0, 10);
  REQUIRE(rows.size() == 1);
  q.ack(rows[0].id);
  put(q, make_message("t", "2"));
  REQUIRE(eventually([&] { return log.messages() == 2; }));

  auto reports = log.all();
  REQUIRE(reports.size() == 2);
  CHECK(reports[1].messages == 1);
  CHECK(reports[1].acks == 1);
  auto left = q.read_after(0, 10);
  REQUIRE(left.size() == 1);
  CHECK(left[0].message.payload == "2");
}

TEST_CASE("a flush commits waiting acknowledgements at once", "[outbox][batching]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  o.ack_delay = 60s;
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});

  for (int i = 1; i <= 3; ++i) put(q, make_message("t", std::to_string(i)));
  store.flush();
  for (const auto& row : q.read_after(0, 10)) q.ack(row.id);
  const auto started = std::chrono::steady_clock::now();
  store.flush();
  CHECK(std::chrono::steady_clock::now() - started < 30s);
  auto c = q.counters();
  CHECK(c.depth == 0);
  CHECK(c.acked == 3);
}

TEST_CASE("acknowledgements in any order and with gaps delete exactly the acknowledged rows", "[outbox][batching]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  for (int i = 1; i <= 10; ++i) put(q, make_message("t", std::to_string(i)));
  store.flush();
  auto rows = q.read_after(0, 20);
  REQUIRE(rows.size() == 10);
  // Payloads 2-4, 7, 9 and 10, out of order, one of them twice; all in one batch.
  for (int i : {10, 3, 2, 9, 7, 4, 3}) q.ack(rows[static_cast<std::size_t>(i - 1)].id);
  store.flush();

  std::vector<std::string> left;
  for (const auto& r : q.read_after(0, 20)) left.push_back(r.message.payload);
  CHECK(left == std::vector<std::string>{"1", "5", "6", "8"});
  auto c = q.counters();
  CHECK(c.acked == 6);
  CHECK(c.depth == 4);
  CHECK(c.depth_bytes == 4 * 2);  // topic "t" + a one-digit payload each
}

TEST_CASE("beyond max_pending_bytes the store reports pressure until the writer has taken the queued messages",
          "[outbox][batching]") {
  ScratchDir dir;
  CommitLog log;
  std::atomic<int> reliefs{0};
  OutboxOptions o = options_for(dir);
  o.max_batch_delay = 300ms;   // the writer would take the queued messages only after this...
  o.max_pending_bytes = 2500;  // ...but two 1,000-byte messages fit, a third does not
  o.on_relief = [&] { ++reliefs; };
  log.attach(o);
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  const std::string kilobyte(1000, 'x');

  REQUIRE(put(q, make_message("t", "1" + kilobyte)) == Delivery::ok);
  REQUIRE(eventually([&] { return log.messages() == 1; }));  // committed at once: the 300 ms start
  REQUIRE(put(q, make_message("t", "2" + kilobyte)) == Delivery::ok);
  REQUIRE(put(q, make_message("t", "3" + kilobyte)) == Delivery::ok);
  // Never blocks the caller (the event loop): the message is taken, and the
  // store says it is behind, so the caller stops reading its source.
  REQUIRE(put(q, make_message("t", "4" + kilobyte)) == Delivery::ok);
  // Pressure makes the batch due at once (not after 300 ms); the relief
  // (called only after pressure) follows the writer taking it.
  REQUIRE(eventually([&] { return log.messages() == 4; }, 250ms));
  REQUIRE(eventually([&] { return reliefs.load() == 1 && !store.under_pressure(); }));
  const auto rows = q.read_after(0, 10);
  REQUIRE(rows.size() == 4);
  for (std::size_t i = 0; i < rows.size(); ++i) CHECK(rows[i].message.payload.substr(0, 1) == std::to_string(i + 1));
}

