// Batches in the forwarder (docs/batching.md): rows of a batch stream packed
// into one publish when full or due, every row resolved by the batch's
// outcome, the same batch sent again after a lost PUBACK, and nothing packed
// before it is committed.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>

#include "forwarder_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::shared_ptr<const BatchSpec> stream(std::size_t max_messages, std::chrono::milliseconds max_delay = 1h,
                                        std::size_t max_bytes = 0, BatchFormat format = BatchFormat::json_array) {
  auto s = std::make_shared<BatchSpec>();
  s->topic = "site1/sensors/batch";
  s->format = format;
  s->max_messages = max_messages;
  s->max_delay = max_delay;
  s->max_bytes = max_bytes;
  return s;
}

ForwarderSettings batching(const std::shared_ptr<const BatchSpec>& s, int inflight = 8) {
  ForwarderSettings settings = window(inflight);
  settings.batches = {s};
  settings.entry_id_prefix = "gw:ops:";
  return settings;
}

// Readings seq from..to on sensors/r<seq>, in the stream.
std::vector<Message> readings(int from, int to, const std::shared_ptr<const BatchSpec>& s, int qos = 1) {
  std::vector<Message> out;
  for (int i = from; i <= to; ++i) {
    Message m = make_message("sensors/r" + std::to_string(i), "{\"seq\": " + std::to_string(i) + "}", qos);
    m.batch = s;
    out.push_back(std::move(m));
  }
  return out;
}

json entries_of(const FakeConnection::Publish& p) {
  if (!p.payload.empty() && p.payload.front() == '[') return json::parse(p.payload);
  json out = json::array();  // json_lines
  std::size_t from = 0;
  for (std::size_t nl = p.payload.find('\n'); nl != std::string::npos; nl = p.payload.find('\n', from)) {
    out.push_back(json::parse(p.payload.substr(from, nl - from)));
    from = nl + 1;
  }
  return out;
}

std::vector<int> seqs_of(const FakeConnection::Publish& p) {
  std::vector<int> out;
  for (const auto& e : entries_of(p)) out.push_back(e["payload"]["seq"].get<int>());
  return out;
}

std::vector<int> range(int from, int to) {
  std::vector<int> out;
  for (int i = from; i <= to; ++i) out.push_back(i);
  return out;
}

std::int64_t row_id(const json& entry) {
  const std::string id = entry["id"].get<std::string>();
  return std::stoll(id.substr(id.rfind(':') + 1));
}

}  // namespace

TEST_CASE("a stream's rows go out max_messages at a time as one publish; its PUBACK deletes them all", "[batch]") {
  const auto s = stream(10);
  Fixture f(batching(s));
  f.start();
  f.connect(1);
  f.accept_each(readings(1, 25, s));
  REQUIRE(f.wait_published(2));
  CHECK_FALSE(f.wait_published(3, 50ms));  // 5 left: not full, not due for an hour
  const auto log = f.log();
  CHECK(log[0].topic == "site1/sensors/batch");
  CHECK(seqs_of(log[0]) == range(1, 10));
  CHECK(seqs_of(log[1]) == range(11, 20));
  const json first = entries_of(log[0])[0];
  CHECK(first["topic"] == "sensors/r1");
  CHECK(first["id"] == "gw:ops:1");
  CHECK(first["ts"].is_number_integer());
  f.answer(0);
  f.answer(1);
  REQUIRE(eventually([&] { return f.depth() == 5; }));
  const auto c = f.queue->counters();
  CHECK(c.acked == 20);
  CHECK(c.sent == 20);
  CHECK(c.batches_sent == 2);
  CHECK(c.batch_entries == 20);
  CHECK(c.batch_bytes == log[0].payload.size() + log[1].payload.size());
}

TEST_CASE("a trickle goes out once its oldest entry has waited max_delay", "[batch]") {
  const auto s = stream(100, 150ms);
  Fixture f(batching(s));
  f.start();
  f.connect(1);
  const auto started = std::chrono::steady_clock::now();
  f.accept_each(readings(1, 3, s));
  CHECK_FALSE(f.wait_published(1, 50ms));
  REQUIRE(f.wait_published(1, 2000ms));
  CHECK(std::chrono::steady_clock::now() - started >= 150ms);
  CHECK(seqs_of(f.log()[0]) == range(1, 3));
}

TEST_CASE("only committed rows are packed, and a batched message's source is released by its commit", "[batch]") {
  const auto s = stream(5);
  Fixture f(batching(s));
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;  // (highest id in the batch, settled then)
  f.loop.call([&] {
    f.conn.on_publish_ = [&](const Message& m) {
      json entries = json::parse(m.payload);
      std::int64_t top = 0;
      for (const auto& e : entries) top = std::max(top, row_id(e));
      seen.emplace_back(top, f.queue->settled_upto());
    };
  });
  f.start();
  f.accept_each(readings(1, 5, s), /*receipt=*/4);  // disconnected: nothing goes out
  // Released once committed, without any PUBACK: the local broker's PUBACK never
  // waits for a batch to fill, and what it acknowledged is on disk.
  REQUIRE(eventually([&] {
    int n = 0;
    f.loop.call([&] { n = f.releases.releases[4]; });
    return n == 5;
  }));
  CHECK(f.queue->counters().stored == 5);
  f.connect(1);
  f.accept_each(readings(6, 50, s));
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.published() == 10;
  }));
  f.loop.call([&] { f.conn.on_publish_ = nullptr; });
  for (const auto& [top, settled] : seen) CHECK(top <= settled);
}

TEST_CASE("batches stay within max_bytes; a row too large for any batch is dead-lettered unsent", "[batch]") {
  const auto s = stream(100, 50ms, 400);
  Fixture f(batching(s));
  std::vector<Message> in = readings(1, 20, s);
  Message big = make_message("sensors/big", "{\"blob\":\"" + std::string(500, 'x') + "\"}");
  big.batch = s;
  in.insert(in.begin() + 10, big);
  f.store_each(in);
  f.start();
  f.connect(1);
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  std::vector<int> all;
  for (const auto& p : f.log()) {
    CHECK(p.payload.size() <= 400);
    for (int seq : seqs_of(p)) all.push_back(seq);
  }
  CHECK(f.queue->counters().dead_lettered[static_cast<std::size_t>(DeadLetterReason::too_large)] == 1);
  CHECK(f.log().size() >= 4);  // ~80-byte entries: at most five a batch
  CHECK(all == range(1, 20));
}

TEST_CASE("the remote's Maximum Packet Size caps the default batch size", "[batch]") {
  const auto s = stream(1000, 50ms);
  Fixture f(batching(s));
  f.store_each(readings(1, 40, s));
  f.start();
  f.loop.call([&] { f.conn.max_packet_ = 700; });
  f.connect(1);
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  CHECK(f.log().size() >= 4);
  for (const auto& p : f.log()) {
    Message m;
    m.topic = p.topic;
    m.payload = p.payload;
    m.qos = 1;
    CHECK(publish_packet_size(m, true) <= 700);
  }
  CHECK(f.queue->counters().dead_letters == 0);
}

TEST_CASE("after a lost connection the same batches go again, same entries and ids, before newer rows", "[batch]") {
  const auto s = stream(5);
  Fixture f(batching(s));
  f.start();
  f.connect(1);
  f.accept_each(readings(1, 12, s));
  REQUIRE(f.wait_published(2));  // 1-5 and 6-10 in flight, their PUBACKs lost
  f.lose_connection();
  f.accept_each(readings(13, 15, s));
  f.connect(2);
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  const auto before = f.log(1);
  const auto after = f.log(2);
  REQUIRE(after.size() == 3);
  CHECK(after[0].payload == before[0].payload);  // byte for byte: the cloud sees the same ids
  CHECK(after[1].payload == before[1].payload);
  CHECK(seqs_of(after[2]) == range(11, 15));
}

TEST_CASE("quota exceeded sends the same batch again later; nothing is dead-lettered", "[batch]") {
  const auto s = stream(4);
  Fixture f(batching(s));
  f.store_each(readings(1, 8, s));
  f.start();
  f.connect(1);
  REQUIRE(f.wait_published(2));
  f.answer(0, refused(0x97));
  f.answer(1);
  REQUIRE(f.wait_published(3));
  const auto log = f.log();
  CHECK(log[2].payload == log[0].payload);
  f.answer(2);
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  CHECK(f.queue->counters().dead_letters == 0);
  CHECK(f.queue->counters().acked == 8);
}

TEST_CASE("a batch refused as too large goes again in halves, and later batches stay smaller", "[batch]") {
  const auto s = stream(8);
  Fixture f(batching(s));
  f.store_each(readings(1, 16, s));
  f.start();
  f.connect(1);
  REQUIRE(f.wait_published(2));
  const std::size_t refused_size = f.log()[0].payload.size();
  f.answer(0, refused(0x95));
  f.answer(1, refused(0x95));
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  std::multiset<int> delivered;
  const auto log = f.log();
  for (std::size_t i = 2; i < log.size(); ++i) {
    CHECK(log[i].payload.size() < refused_size);
    for (int seq : seqs_of(log[i])) delivered.insert(seq);
  }
  const auto all = range(1, 16);
  CHECK(delivered == std::multiset<int>(all.begin(), all.end()));
  CHECK(f.queue->counters().dead_letters == 0);
}

TEST_CASE("a batch refused for good moves every row in it to the dead letters; the stream goes on", "[batch]") {
  const auto s = stream(4);
  Fixture f(batching(s));
  f.store_each(readings(1, 8, s));
  f.start();
  f.connect(1);
  REQUIRE(f.wait_published(2));
  f.answer(0, refused(0x87));
  f.answer(1);
  REQUIRE(eventually([&] { return f.depth() == 0; }));
  const auto c = f.queue->counters();
  CHECK(c.dead_lettered[static_cast<std::size_t>(DeadLetterReason::not_authorized)] == 4);
  CHECK(c.acked == 4);
  std::vector<std::pair<std::string, DeadLetterReason>> dead;
  f.loop.call([&] { dead = f.dead; });
  REQUIRE(dead.size() == 4);
  CHECK(dead[0].first == "{\"seq\": 1}");  // each row as it was, not the batch
}

TEST_CASE("a broker that closes right after the same batch three times dead-letters its rows", "[batch]") {
  const auto s = stream(3);
  Fixture f(batching(s));
  f.store_each(readings(1, 9, s));
  f.start();
  ConnectionEnd closed;
  closed.by_peer = true;
  f.connect(1);
  REQUIRE(f.wait_published(3));
  f.answer(0);  // 1-3 taken; 4-6 makes the broker close the connection
  f.lose_connection(closed);
  for (std::uint64_t c = 2; c <= 3; ++c) {
    const auto before = f.published();
    f.connect(c);
    REQUIRE(f.wait_published(before + 1));
    CHECK_FALSE(f.wait_published(before + 2, 30ms));  // the suspect batch goes alone
    CHECK(seqs_of(f.log().back()) == range(4, 6));
    f.lose_connection(closed);
  }
  f.connect(4);
  f.auto_ack(true);
  REQUIRE(eventually([&] {
    f.drain_auto();
    return f.depth() == 0;
  }));
  const auto c = f.queue->counters();
  CHECK(c.dead_lettered[static_cast<std::size_t>(DeadLetterReason::closed_connection)] == 3);
  CHECK(c.acked == 6);
  REQUIRE(f.log(4).size() == 1);
  CHECK(seqs_of(f.log(4)[0]) == range(7, 9));
}

TEST_CASE("drain sends a partial batch at once and is done when it is acknowledged", "[batch]") {
  const auto s = stream(100);
  Fixture f(batching(s));
  f.start();
  f.connect(1);
  f.accept_each(readings(1, 3, s));
  CHECK_FALSE(f.wait_published(1, 50ms));
  std::atomic<bool> done{false};
  f.loop.call([&] { f.fwd->drain(5s, [&] { done = true; }); });
  REQUIRE(f.wait_published(1));
  CHECK(seqs_of(f.log()[0]) == range(1, 3));
  CHECK_FALSE(eventually([&] { return done.load(); }, 50ms));  // in flight: not yet
  f.answer(0);
  REQUIRE(eventually([&] { return done.load(); }));
  CHECK(f.depth() == 0);
}

TEST_CASE("drain without batches is done at once", "[batch]") {
  Fixture f(window(8));
  f.start();
  f.connect(1);
  bool done = false;
  f.loop.call([&] { f.fwd->drain(5s, [&] { done = true; }); });
  CHECK(done);
}

TEST_CASE("rows read back from the database go in their stream with its configured limits", "[batch]") {
  const auto configured = stream(4, 1h, 0, BatchFormat::json_lines);
  // Stored by an earlier run: the row names its stream (topic, format) only.
  auto as_stored = std::make_shared<BatchSpec>();
  as_stored->topic = configured->topic;
  as_stored->format = configured->format;
  Fixture f(batching(configured));
  f.store_each(readings(1, 8, as_stored));
  f.start();
  f.connect(1);
  REQUIRE(f.wait_published(2));
  const auto log = f.log();
  CHECK(log[0].payload.back() == '\n');
  CHECK(seqs_of(log[0]) == range(1, 4));
  CHECK(seqs_of(log[1]) == range(5, 8));
}

TEST_CASE("a stream waiting for max_delay does not hold back messages sent alone", "[batch]") {
  const auto s = stream(100);
  Fixture f(batching(s));
  f.start();
  f.connect(1);
  f.accept_each(readings(1, 3, s));
  f.accept(7, 7);  // "7" on topic t, alone
  REQUIRE(f.wait_published(1));
  const auto log = f.log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].topic == "t");
  CHECK(log[0].payload == "7");
}

TEST_CASE("a batch of QoS 0 readings is published at QoS 0; one QoS 1 entry makes it QoS 1", "[batch]") {
  const auto s = stream(2);
  Fixture f(batching(s));
  f.start();
  f.connect(1);
  f.accept_each(readings(1, 2, s, 0));
  std::vector<Message> mixed = readings(3, 3, s, 0);
  for (Message& m : readings(4, 4, s, 1)) mixed.push_back(m);
  f.accept_each(mixed);
  REQUIRE(f.wait_published(2));
  CHECK(f.log()[0].qos == 0);
  CHECK(f.log()[1].qos == 1);
}
