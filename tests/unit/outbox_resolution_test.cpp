// How a message leaves its queue: acknowledged (before or after its commit),
// moved to the dead letters, or put back from there; and the notices that say
// which ids are settled.
#include <catch2/catch.hpp>

#include <mutex>

#include "outbox/outbox.hpp"
#include "outbox/schema.hpp"
#include "outbox/sqlite.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;

namespace {

struct Notices : QueueListener {
  std::mutex m;
  std::vector<CommitNotice> seen;
  void committed(const CommitNotice& n) override {
    std::lock_guard<std::mutex> lock(m);
    seen.push_back(n);
  }
  std::int64_t last_settled() {
    std::lock_guard<std::mutex> lock(m);
    return seen.empty() ? 0 : seen.back().settled_upto;
  }
};

std::uint64_t dead(const OutboxCounters& c, DeadLetterReason r) { return c.dead_lettered[static_cast<std::size_t>(r)]; }

std::int64_t count_rows(const std::string& db_path, const std::string& sql) {
  sql::Connection db = outbox_schema::open_reader(db_path);
  return db.query_int(sql);
}

}  // namespace

TEST_CASE("a held message acknowledged before its commit is never written", "[outbox][resolution]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  o.commit_delay = 60s;
  std::vector<OutboxCommitReport> reports;
  std::mutex m;
  o.on_commit = [&](const OutboxCommitReport& r) {
    std::lock_guard<std::mutex> lock(m);
    reports.push_back(r);
  };
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  const Accepted a = q.enqueue(make_message("t", "1"), /*held=*/true);
  REQUIRE(a.delivery == Delivery::ok);
  q.ack(a.id);
  store.flush();
  const auto c = q.counters();
  CHECK(c.accepted == 1);
  CHECK(c.acked == 1);
  CHECK(c.stored == 0);
  CHECK(c.bytes_written == 0);
  CHECK(c.depth == 0);
  CHECK(q.read_after(0, 10).empty());
  std::lock_guard<std::mutex> lock(m);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].skipped == 1);
  CHECK(reports[0].messages == 0);
}

TEST_CASE("held messages wait commit_delay; commit_soon commits them at once", "[outbox][resolution]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  o.commit_delay = 60s;
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  Notices notices;
  q.set_listener(&notices);
  const Accepted a = q.enqueue(make_message("t", "held"), true);
  CHECK(q.counters().pending == 1);
  CHECK(q.read_after(0, 10).empty());  // not committed: only the 60 s or a commit_soon would
  q.commit_soon();
  REQUIRE(eventually([&] { return notices.last_settled() == a.id; }));
  CHECK(q.read_after(0, 10).size() == 1);
  CHECK(q.counters().stored == 1);
  q.set_listener(nullptr);
}

TEST_CASE("a message without a keeper upstream is committed at once and its id settled", "[outbox][resolution]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  Notices notices;
  q.set_listener(&notices);
  std::int64_t last = 0;
  for (int i = 0; i < 3; ++i) last = q.enqueue(make_message("t", std::to_string(i)), false).id;
  REQUIRE(eventually([&] { return notices.last_settled() == last; }));
  CHECK(q.settled_upto() == last);
  q.set_listener(nullptr);
}

TEST_CASE("an MQTT 5 refusal's reason code names its dead letter's reason", "[outbox][deadletter]") {
  CHECK(dead_letter_reason(0x87) == DeadLetterReason::not_authorized);
  CHECK(dead_letter_reason(0x90) == DeadLetterReason::topic_name_invalid);
  CHECK(dead_letter_reason(0x95) == DeadLetterReason::too_large);
  CHECK(dead_letter_reason(0x99) == DeadLetterReason::payload_format_invalid);
  CHECK(dead_letter_reason(0x83) == DeadLetterReason::refused);  // implementation specific error
  CHECK(std::string(to_string(dead_letter_reason(0x87))) == "not_authorized");
}

TEST_CASE("a refused row moves to the dead letters with its reason; a refused pending one goes there directly",
          "[outbox][resolution]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  o.commit_delay = 60s;
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  const Accepted stored = q.enqueue(make_message("denied/1", "a"), false);
  store.flush();
  REQUIRE(q.read_after(0, 10).size() == 1);
  DeadLetter why;
  why.reason = DeadLetterReason::not_authorized;
  why.reason_code = 0x87;
  why.attempts = 1;
  why.detail = "Not authorized";
  q.dead_letter(stored.id, why);
  const Accepted pending = q.enqueue(make_message("big/1", "b"), true);
  why.reason = DeadLetterReason::too_large;
  why.reason_code = 0;
  q.dead_letter(pending.id, why);
  store.flush();

  CHECK(q.read_after(0, 10).empty());
  const auto c = q.counters();
  CHECK(c.depth == 0);
  CHECK(c.dead_letters == 2);
  CHECK(dead(c, DeadLetterReason::not_authorized) == 1);
  CHECK(dead(c, DeadLetterReason::too_large) == 1);
  const std::string path = dir.file("outbox.db");
  CHECK(count_rows(path, "SELECT count(*) FROM dead_letters WHERE topic = 'denied/1' AND reason = 'not_authorized' "
                         "AND reason_code = 135 AND attempts = 1") == 1);
  CHECK(count_rows(path, "SELECT count(*) FROM dead_letters WHERE topic = 'big/1' AND reason = 'too_large'") == 1);
}

TEST_CASE("dead letters marked for retry go back to the end of their queue", "[outbox][resolution]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  const Accepted first = q.enqueue(make_message("t", "refused"), false);
  store.flush();
  DeadLetter why;
  why.reason = DeadLetterReason::not_authorized;
  q.dead_letter(first.id, why);
  const Accepted later = q.enqueue(make_message("t", "later"), false);
  store.flush();
  REQUIRE(q.counters().dead_letters == 1);
  {
    // What `edgebridge outbox dead-letters --retry` does beside a running gateway.
    sql::Connection editor = outbox_schema::open_editor(dir.file("outbox.db"));
    editor.exec("UPDATE dead_letters SET retry = 1");
  }
  // The writer looks once a second.
  REQUIRE(eventually([&] {
    store.flush();
    return q.counters().dead_letters == 0;
  }));
  const auto rows = q.read_after(0, 10);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].message.payload == "later");
  CHECK(rows[1].message.payload == "refused");
  CHECK(rows[1].id > later.id);
}

TEST_CASE("beyond max_dead_letters the oldest dead letters go, counted", "[outbox][resolution]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  o.max_dead_letters = 3;
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  DeadLetter why;
  why.reason = DeadLetterReason::refused;
  for (int i = 1; i <= 5; ++i) {
    const Accepted a = q.enqueue(make_message("t", std::to_string(i)), false);
    store.flush();
    q.dead_letter(a.id, why);
    store.flush();
  }
  const auto c = q.counters();
  CHECK(c.dead_letters == 3);
  CHECK(dropped(c, DropReason::dead_letters_full) == 2);
  CHECK(count_rows(dir.file("outbox.db"), "SELECT min(CAST(payload AS TEXT)) FROM dead_letters") == 3);
}

TEST_CASE("every accepted message is resolved exactly once: accepted = acked + dead-lettered + dropped + depth",
          "[outbox][resolution]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  o.commit_delay = 5ms;
  OutboxStore store(o);
  OutboxLimits limits;
  limits.max_messages = 40;  // drop_oldest trims while acks and dead letters race the trims
  OutboxQueue& q = store.queue("ops", limits);
  std::vector<std::int64_t> ids;
  // A fixed pseudo-random mix: held or not, resolved before or after its
  // commit, some resolved twice (a late PUBACK after a dead letter), some
  // resolved after drop_oldest removed them.
  std::uint32_t r = 12345;
  auto next = [&r] { return (r = r * 1103515245u + 12345u) >> 16; };
  for (int i = 0; i < 600; ++i) {
    const Accepted a = q.enqueue(make_message("t/" + std::to_string(i), std::string(1 + next() % 50, 'x')),
                                 next() % 2 == 0);
    REQUIRE(a.delivery == Delivery::ok);
    ids.push_back(a.id);
    if (next() % 7 == 0) store.flush();
    if (ids.size() > 3 && next() % 3 == 0) {
      const std::int64_t id = ids[ids.size() - 1 - next() % 4];
      if (next() % 5 == 0) {
        q.dead_letter(id, DeadLetter{DeadLetterReason::not_authorized, 0x87, 1, "test"});
      } else {
        q.ack(id);
      }
      if (next() % 10 == 0) q.ack(id);  // again: must not count twice
    }
  }
  store.flush();
  const OutboxCounters c = q.counters();
  std::uint64_t dropped = 0, dead_lettered = 0;
  for (auto d : c.dropped) dropped += d;
  for (auto d : c.dead_lettered) dead_lettered += d;
  INFO("acked " << c.acked << " dead-lettered " << dead_lettered << " dropped " << dropped << " depth " << c.depth);
  CHECK(c.accepted == 600);
  CHECK(c.accepted == c.acked + dead_lettered + dropped + c.depth);
  CHECK(c.depth <= 40);
  CHECK(static_cast<std::int64_t>(c.depth) ==
        count_rows(dir.file("outbox.db"), "SELECT count(*) FROM q_1"));  // what waits is on disk (remote ops: q_1)
}
