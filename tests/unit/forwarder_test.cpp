// The forwarder on a real event loop and a real outbox, against a fake
// connection the test answers by hand (PUBACKs, refusals, lost connections).
#include <catch2/catch.hpp>

#include "forwarder_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;

TEST_CASE("stored rows and new messages are published in order and deleted once acknowledged", "[forwarder]") {
  Fixture f(window(64));
  f.stored(1, 300);
  f.start();
  f.connect(1);
  f.auto_ack(true);
  f.accept(301, 500);  // more arrive while it runs
  f.drain_auto();
  REQUIRE(f.wait_published(500));
  CHECK(f.payloads() == numbered(1, 500));
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.queue->counters().acked == 500);
  CHECK(f.queue->counters().sent == 500);
}

TEST_CASE("a message acknowledged before its commit is never written, and its receipt is released then",
          "[forwarder]") {
  OutboxOptions o;
  ScratchDir scratch;
  o = options_for(scratch);
  o.commit_delay = 60s;  // held messages wait: only an acknowledgement can settle them in this test
  Fixture f(window(64), o);
  f.start();
  f.connect(1);
  f.accept(1, 3, /*receipt=*/7);
  REQUIRE(f.wait_published(3));
  CHECK(f.releases.holds[7] == 3);
  CHECK(f.releases.releases[7] == 0);  // still the source's to keep
  for (std::size_t i = 0; i < 3; ++i) f.answer(i);
  CHECK(f.releases.releases[7] == 3);
  f.store->flush();
  const auto c = f.queue->counters();
  CHECK(c.acked == 3);
  CHECK(c.stored == 0);  // never written
  CHECK(c.depth == 0);
}

TEST_CASE("a held message the remote has not acknowledged is released once committed", "[forwarder]") {
  Fixture f(window(64));
  f.start();
  f.accept(1, 2, /*receipt=*/3);  // disconnected: nothing is sent
  CHECK(f.releases.releases[3] == 0);
  f.queue->commit_soon();
  REQUIRE(eventually([&] {
    int n = 0;
    f.loop.call([&] { n = f.releases.releases[3]; });
    return n == 2;
  }));
  CHECK(f.queue->counters().stored == 2);
}

TEST_CASE("never more than `inflight` publishes wait for their PUBACK", "[forwarder]") {
  Fixture f(window(5));
  f.stored(1, 20);
  f.start();
  f.connect(1);
  REQUIRE(f.wait_published(5));
  CHECK_FALSE(f.wait_published(6, 50ms));  // the window is full: nothing more goes out
  for (std::size_t i = 0; i < 20; ++i) {
    REQUIRE(f.wait_published(i + 1));
    f.answer(i);
  }
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.max_waiting() == 5);
  CHECK(f.payloads() == numbered(1, 20));
}

TEST_CASE("the server's Receive Maximum caps the window below `inflight`", "[forwarder]") {
  Fixture f(window(64));
  f.stored(1, 10);
  f.start();
  f.loop.call([&] { f.conn.receive_maximum_ = 3; });
  f.connect(1);
  REQUIRE(f.wait_published(3));
  CHECK_FALSE(f.wait_published(4, 50ms));
  for (std::size_t i = 0; i < 10; ++i) {
    REQUIRE(f.wait_published(i + 1));
    f.answer(i);
  }
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.max_waiting() == 3);
}

TEST_CASE("a reconnect resends unacknowledged messages from the oldest, and never acknowledged ones",
          "[forwarder]") {
  Fixture f(window(4));
  f.stored(1, 10);
  f.start();
  f.connect(1);
  REQUIRE(f.wait_published(4));  // 1..4 in flight
  f.answer(0);                   // 1 acked
  f.answer(2);                   // 3 acked (out of order)
  REQUIRE(f.wait_published(6));  // 5, 6 join the window
  f.lose_connection();
  f.connect(2);
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  CHECK(f.payloads(1) == numbered(1, 6));
  // 2, 4, 5, 6 were never acknowledged: resent first, oldest first; 1 and 3 never again.
  CHECK(f.payloads(2) == std::vector<std::string>{"2", "4", "5", "6", "7", "8", "9", "10"});
}

TEST_CASE("inflight 1 keeps strict order across reconnects", "[forwarder]") {
  Fixture f(window(1));
  f.stored(1, 30);
  f.start();
  std::uint64_t conn = 1;
  f.connect(conn);
  std::size_t answered = 0;
  for (int round = 0; round < 6; ++round) {
    // Acknowledge a few, then lose the connection with one publish unanswered.
    for (int k = 0; k < 3; ++k) {
      REQUIRE(f.wait_published(answered + 1));
      CHECK(f.max_waiting() == 1);
      f.answer(answered++);
    }
    REQUIRE(f.wait_published(answered + 1));
    ++answered;  // never answered: lost with the connection
    f.lose_connection();
    f.connect(++conn);
  }
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  // What the remote saw, in order: every row, each unanswered one (4, 7, ..., 19)
  // once more right after itself, never anything out of order.
  std::vector<std::string> expected;
  for (int i = 1; i <= 30; ++i) {
    expected.push_back(std::to_string(i));
    if (i >= 4 && i <= 19 && (i - 4) % 3 == 0) expected.push_back(std::to_string(i));
  }
  CHECK(f.payloads() == expected);
}

TEST_CASE("a refused message goes to the dead letters; the window behind it is neither resent nor blocked",
          "[forwarder]") {
  Fixture f(window(8));
  f.stored(1, 8);
  f.start();
  f.connect(1);
  REQUIRE(f.wait_published(8));
  f.answer(0);
  f.answer(1, refused(0x87));  // "2": not authorized
  for (std::size_t i = 2; i < 8; ++i) f.answer(i);
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.payloads() == numbered(1, 8));  // each sent once
  const auto c = f.queue->counters();
  CHECK(c.acked == 7);
  CHECK(c.dead_lettered[static_cast<std::size_t>(DeadLetterReason::not_authorized)] == 1);
  CHECK(c.dead_letters == 1);
  std::vector<std::pair<std::string, DeadLetterReason>> dead;
  f.loop.call([&] { dead = f.dead; });
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].first == "2");
}

TEST_CASE("quota exceeded sends that message alone again later; nothing is dead-lettered", "[forwarder]") {
  Fixture f(window(8));
  f.stored(1, 4);
  f.start();
  f.connect(1);
  REQUIRE(f.wait_published(4));
  f.answer(1, refused(0x97));
  f.answer(0);
  f.answer(2);
  f.answer(3);
  REQUIRE(f.wait_published(5));  // "2" once more, after a pause
  CHECK(f.payloads() == std::vector<std::string>{"1", "2", "3", "4", "2"});
  f.answer(4);
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.queue->counters().dead_letters == 0);
  ForwarderStatus st;
  f.loop.call([&] { st = f.fwd->status(); });
  CHECK(st.throttled_rate > 0);  // the pacer backed off
}

TEST_CASE("a message larger than max_message_size or the broker's packet limit is dead-lettered unsent",
          "[forwarder]") {
  ForwarderSettings s = window(8);
  s.max_message_size = 100;
  Fixture f(s);
  REQUIRE(put(*f.queue, make_message("t", "small")) == Delivery::ok);
  REQUIRE(put(*f.queue, make_message("t", std::string(101, 'x'))) == Delivery::ok);
  REQUIRE(put(*f.queue, make_message("t", std::string(80, 'y'))) == Delivery::ok);
  f.store->flush();
  f.start();
  f.loop.call([&] { f.conn.max_packet_ = 85; });  // "y" * 80 fits our limit, not the broker's (88 bytes)
  f.connect(1);
  REQUIRE(f.wait_published(1));
  CHECK_FALSE(f.wait_published(2, 50ms));
  f.answer(0);
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.payloads() == std::vector<std::string>{"small"});
  CHECK(f.queue->counters().dead_lettered[static_cast<std::size_t>(DeadLetterReason::too_large)] == 2);
}

TEST_CASE("a broker that closes the connection right after the same message three times dead-letters it; "
          "the rest flows",
          "[forwarder]") {
  Fixture f(window(8));
  f.stored(1, 5);
  f.start();
  ConnectionEnd closed;
  closed.by_peer = true;
  f.connect(1);
  REQUIRE(f.wait_published(5));
  f.answer(0);  // "1" taken; "2" makes the broker close the connection
  f.lose_connection(closed);
  for (std::uint64_t c = 2; c <= 3; ++c) {
    const auto before = f.published();
    f.connect(c);
    REQUIRE(f.wait_published(before + 1));
    CHECK_FALSE(f.wait_published(before + 2, 30ms));  // the suspect goes alone
    CHECK(f.payloads().back() == "2");
    f.lose_connection(closed);
  }
  f.connect(4);
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  const auto c = f.queue->counters();
  CHECK(c.dead_lettered[static_cast<std::size_t>(DeadLetterReason::closed_connection)] == 1);
  CHECK(c.acked == 4);
  const auto seen = f.payloads(4);
  CHECK(seen == std::vector<std::string>{"3", "4", "5"});
}

TEST_CASE("an outage that ends connections does not dead-letter: the next connection takes the suspect",
          "[forwarder]") {
  Fixture f(window(8));
  f.stored(1, 3);
  f.start();
  ConnectionEnd closed;
  closed.by_peer = true;
  f.connect(1);
  REQUIRE(f.wait_published(3));
  f.lose_connection(closed);  // the broker went down right after "1"
  f.connect(2);               // it is back
  REQUIRE(f.wait_published(4));
  f.answer(3);  // and takes "1"
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  CHECK(f.queue->counters().dead_letters == 0);
  ConnectionEnd keepalive;
  keepalive.keepalive_timeout = true;  // a half-open link blames nobody either
  f.loop.call([&] { f.conn.auto_ack_ = false; });
  f.accept(4, 4);
  for (int i = 0; i < 5; ++i) {
    f.lose_connection(keepalive);
    f.connect(10 + static_cast<std::uint64_t>(i));
  }
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  CHECK(f.queue->counters().dead_letters == 0);
}

TEST_CASE("with durability full nothing is sent before its commit", "[forwarder]") {
  ForwarderSettings s = window(8);
  s.durability = Durability::full;
  ScratchDir scratch;
  OutboxOptions o = options_for(scratch);
  o.durability = Durability::full;
  o.max_batch_delay = 1s;
  Fixture f(s, o);
  f.start();
  f.connect(1);
  f.accept(1, 1);  // after a quiet spell: committed at once
  REQUIRE(f.wait_published(1));
  f.accept(2, 3);  // within 1 s of that commit: they wait for the next one
  CHECK(f.published() == 1);
  REQUIRE(f.wait_published(3));
  CHECK(f.queue->counters().stored == 3);
}

TEST_CASE("messages beyond what memory keeps are read back from the database, in order", "[forwarder]") {
  ForwarderSettings s = window(16);
  s.memory_rows = 10;
  s.offline_rows = 5;
  Fixture f(s);
  f.start();
  f.accept(1, 100);  // disconnected: memory takes 10, the rest waits in the database
  f.store->flush();
  f.connect(1);
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  CHECK(f.payloads() == numbered(1, 100));
}

TEST_CASE("nothing is published while disconnected", "[forwarder]") {
  Fixture f(window(8));
  f.stored(1, 5);
  f.start();
  CHECK_FALSE(f.wait_published(1, 50ms));
  f.connect(7);
  REQUIRE(f.wait_published(5));
  CHECK(f.payloads(7) == numbered(1, 5));
}

TEST_CASE("publishes never go faster than max_publish_rate", "[forwarder]") {
  ForwarderSettings s = window(64);
  s.max_publish_rate = Rate{100};  // one publish per 1 / (0.97 * 100) s = 10.3 ms
  Fixture f(s);
  f.stored(1, 21);
  f.start();
  const auto started = std::chrono::steady_clock::now();
  f.connect(1);
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.published() == 21;
  }));
  CHECK(std::chrono::steady_clock::now() - started >= 200ms);  // 20 gaps of at least 10.3 ms
  CHECK(f.payloads() == numbered(1, 21));
}
