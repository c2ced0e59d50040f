#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>

#include "outbox/forwarder.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;

namespace {

// Plays the remote connection: records every publish and lets the test decide
// when (and on which connection) PUBACKs arrive.
class FakePublisher : public Publisher {
 public:
  struct Publish {
    std::uint64_t conn;
    std::string payload;
    std::function<void(bool)> done;
    bool answered = false;
  };

  std::uint64_t connection_id() const override { return conn_.load(); }
  int receive_maximum() const override { return receive_maximum_.load(); }

  bool publish(std::uint64_t conn, const Message& message, std::function<void(bool)> done) override {
    std::function<void(bool)> answer_now;
    {
      std::lock_guard<std::mutex> lock(m_);
      if (conn != conn_.load() || conn == 0) return false;
      log_.push_back({conn, message.payload, std::move(done)});
      std::size_t waiting = 0;
      for (const auto& p : log_)
        if (p.conn == conn && !p.answered) ++waiting;
      max_waiting_ = std::max(max_waiting_, waiting);
      if (auto_ack_) {
        log_.back().answered = true;
        answer_now = log_.back().done;
      }
    }
    cv_.notify_all();
    if (answer_now) answer_now(true);  // PUBACK right away, as a fast broker would
    return true;
  }

  void connect(std::uint64_t id) { conn_ = id; }
  void disconnect() { conn_ = 0; }
  void set_receive_maximum(int n) { receive_maximum_ = n; }
  // From now on every publish is acknowledged at once; so are the ones on the
  // current connection still waiting.
  void set_auto_ack(bool on) {
    std::vector<std::function<void(bool)>> waiting;
    {
      std::lock_guard<std::mutex> lock(m_);
      auto_ack_ = on;
      if (!on) return;
      for (auto& p : log_)
        if (p.conn == conn_.load() && !p.answered) {
          p.answered = true;
          waiting.push_back(p.done);
        }
    }
    for (auto& done : waiting) done(true);
  }

  bool wait_for_publishes(std::size_t n, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return log_.size() >= n; });
  }
  // Answers publish number `i` (0-based, in the order they were made).
  void answer(std::size_t i, bool ok = true) {
    std::function<void(bool)> done;
    {
      std::lock_guard<std::mutex> lock(m_);
      log_.at(i).answered = true;
      done = log_.at(i).done;
    }
    done(ok);
  }
  std::vector<std::string> payloads() const {
    std::lock_guard<std::mutex> lock(m_);
    std::vector<std::string> out;
    for (const auto& p : log_) out.push_back(p.payload);
    return out;
  }
  std::vector<std::string> payloads_on(std::uint64_t conn) const {
    std::lock_guard<std::mutex> lock(m_);
    std::vector<std::string> out;
    for (const auto& p : log_)
      if (p.conn == conn) out.push_back(p.payload);
    return out;
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> lock(m_);
    return log_.size();
  }
  std::size_t max_waiting() const {
    std::lock_guard<std::mutex> lock(m_);
    return max_waiting_;
  }

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::vector<Publish> log_;
  std::atomic<std::uint64_t> conn_{0};
  std::atomic<int> receive_maximum_{65535};
  std::size_t max_waiting_ = 0;
  bool auto_ack_ = false;
};

struct Fixture {
  ScratchDir dir;
  OutboxStore store{options_for(dir)};
  OutboxQueue& queue = store.queue("ops", OutboxLimits{});
  FakePublisher publisher;

  void enqueue(int from, int to) {
    for (int i = from; i <= to; ++i) REQUIRE(queue.enqueue(make_message("t", std::to_string(i))) == Delivery::ok);
    store.flush();
  }
  std::uint64_t depth() {
    store.flush();
    return queue.counters().depth;
  }
};

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(std::to_string(i));
  return out;
}

ForwarderSettings window(int inflight) {
  ForwarderSettings s;
  s.inflight = inflight;
  return s;
}

}  // namespace

TEST_CASE("rows are published in order and deleted once acknowledged", "[forwarder]") {
  Fixture f;
  f.publisher.set_auto_ack(true);
  f.publisher.connect(1);
  f.enqueue(1, 300);
  Forwarder fwd("ops", f.queue, f.publisher, window(64));
  fwd.start();
  f.enqueue(301, 500);  // more arrive while it runs
  REQUIRE(f.publisher.wait_for_publishes(500));
  CHECK(f.publisher.payloads() == numbered(1, 500));
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.queue.counters().acked == 500);
  CHECK(f.queue.counters().sent == 500);
}

TEST_CASE("never more than `inflight` publishes wait for their PUBACK", "[forwarder]") {
  Fixture f;
  f.publisher.connect(1);
  f.enqueue(1, 20);
  Forwarder fwd("ops", f.queue, f.publisher, window(5));
  fwd.start();
  REQUIRE(f.publisher.wait_for_publishes(5));
  CHECK_FALSE(f.publisher.wait_for_publishes(6, 50ms));  // the window is full: nothing more goes out
  for (std::size_t i = 0; i < 20; ++i) {
    REQUIRE(f.publisher.wait_for_publishes(i + 1));
    f.publisher.answer(i);
  }
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.publisher.max_waiting() == 5);
  CHECK(f.publisher.payloads() == numbered(1, 20));
}

TEST_CASE("the server's Receive Maximum caps the window below `inflight`", "[forwarder]") {
  Fixture f;
  f.publisher.set_receive_maximum(3);
  f.publisher.connect(1);
  f.enqueue(1, 10);
  Forwarder fwd("ops", f.queue, f.publisher, window(64));
  fwd.start();
  REQUIRE(f.publisher.wait_for_publishes(3));
  CHECK_FALSE(f.publisher.wait_for_publishes(4, 50ms));
  for (std::size_t i = 0; i < 10; ++i) {
    REQUIRE(f.publisher.wait_for_publishes(i + 1));
    f.publisher.answer(i);
  }
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.publisher.max_waiting() == 3);
}

TEST_CASE("a reconnect resends unacknowledged rows from the oldest and never acknowledged ones", "[forwarder]") {
  Fixture f;
  f.publisher.connect(1);
  f.enqueue(1, 10);
  Forwarder fwd("ops", f.queue, f.publisher, window(4));
  fwd.start();
  REQUIRE(f.publisher.wait_for_publishes(4));  // 1..4 in flight
  f.publisher.answer(0);                       // 1 acked
  f.publisher.answer(2);                       // 3 acked (out of order)
  REQUIRE(f.publisher.wait_for_publishes(6));  // 5, 6 join the window
  f.publisher.disconnect();
  fwd.connection_changed();
  f.publisher.connect(2);
  fwd.connection_changed();
  f.publisher.set_auto_ack(true);
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.publisher.payloads_on(1) == numbered(1, 6));
  // 2, 4, 5, 6 were never acknowledged: resent first, oldest first; 1 and 3 never again.
  CHECK(f.publisher.payloads_on(2) == std::vector<std::string>{"2", "4", "5", "6", "7", "8", "9", "10"});
}

TEST_CASE("inflight 1 keeps strict order across reconnects", "[forwarder]") {
  Fixture f;
  f.publisher.connect(1);
  f.enqueue(1, 30);
  Forwarder fwd("ops", f.queue, f.publisher, window(1));
  fwd.start();
  std::uint64_t conn = 1;
  std::size_t answered = 0;
  for (int round = 0; round < 6; ++round) {
    // Acknowledge a few, then lose the connection with one publish unanswered.
    for (int k = 0; k < 3; ++k) {
      REQUIRE(f.publisher.wait_for_publishes(answered + 1));
      CHECK(f.publisher.max_waiting() == 1);
      f.publisher.answer(answered++);
    }
    REQUIRE(f.publisher.wait_for_publishes(answered + 1));
    ++answered;  // never answered: lost with the connection
    f.publisher.connect(++conn);
    fwd.connection_changed();
  }
  f.publisher.set_auto_ack(true);
  f.publisher.answer(answered - 1, false);  // too late: the connection it belonged to is gone
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  // What the remote saw, in order: every row, each unanswered one (4, 7, ..., 19)
  // once more right after itself, never anything out of order.
  auto seen = f.publisher.payloads();
  std::vector<std::string> expected;
  for (int i = 1; i <= 30; ++i) {
    expected.push_back(std::to_string(i));
    if (i >= 4 && i <= 19 && (i - 4) % 3 == 0) expected.push_back(std::to_string(i));
  }
  CHECK(seen == expected);
}

TEST_CASE("a PUBACK from an old connection is ignored", "[forwarder]") {
  Fixture f;
  f.publisher.connect(1);
  f.enqueue(1, 3);
  Forwarder fwd("ops", f.queue, f.publisher, window(8));
  fwd.start();
  REQUIRE(f.publisher.wait_for_publishes(3));
  f.publisher.connect(2);
  fwd.connection_changed();
  REQUIRE(f.publisher.wait_for_publishes(6));  // all three again on connection 2
  f.publisher.answer(0);                       // connection 1 answers late
  f.publisher.answer(1);
  CHECK(f.depth() == 3);
  CHECK(f.queue.counters().acked == 0);
  f.publisher.answer(3);
  f.publisher.answer(4);
  f.publisher.answer(5);
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.publisher.payloads_on(2) == numbered(1, 3));
}

TEST_CASE("a publish that fails is sent again", "[forwarder]") {
  Fixture f;
  f.publisher.connect(1);
  f.enqueue(1, 3);
  Forwarder fwd("ops", f.queue, f.publisher, window(1));
  fwd.start();
  REQUIRE(f.publisher.wait_for_publishes(1));
  f.publisher.answer(0, false);
  f.publisher.set_auto_ack(true);
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.publisher.payloads() == std::vector<std::string>{"1", "1", "2", "3"});
}

TEST_CASE("nothing is published while disconnected, and stop() is prompt", "[forwarder]") {
  Fixture f;
  f.enqueue(1, 5);
  Forwarder fwd("ops", f.queue, f.publisher, window(8));
  fwd.start();
  CHECK_FALSE(f.publisher.wait_for_publishes(1, 50ms));
  f.publisher.connect(7);
  fwd.connection_changed();
  REQUIRE(f.publisher.wait_for_publishes(5));
  const auto started = std::chrono::steady_clock::now();
  fwd.stop();  // waiting for PUBACKs and for rows: must not linger
  CHECK(std::chrono::steady_clock::now() - started < 500ms);
  f.publisher.answer(0);  // an answer after stop changes nothing
  CHECK(f.depth() == 5);
}

TEST_CASE("publishes follow max_publish_rate on the forwarder's clock", "[forwarder]") {
  Fixture f;
  f.publisher.set_auto_ack(true);
  f.publisher.connect(1);
  f.enqueue(1, 40);
  std::atomic<std::int64_t> fake_us{0};
  auto clock = [&] { return std::chrono::steady_clock::time_point(std::chrono::microseconds(fake_us.load())); };
  ForwarderSettings s = window(64);
  s.max_publish_rate = Rate{100};  // one publish per 1 / (0.97 * 100) s = 10,310 us
  Forwarder fwd("ops", f.queue, f.publisher, s, clock);
  fwd.start();
  for (std::size_t step = 0; step < 40; ++step) {
    // Each step lets exactly one more publish go; never more than the pacer allows so far.
    REQUIRE(f.publisher.wait_for_publishes(step + 1));
    const auto allowed = static_cast<std::size_t>(fake_us.load() / 10'310) + 1;
    REQUIRE(f.publisher.count() <= allowed);
    fake_us += 10'400;
  }
  CHECK(f.publisher.payloads() == numbered(1, 40));
}
