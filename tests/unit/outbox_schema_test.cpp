// The outbox file across versions: a file of the previous version is upgraded
// in place and keeps its rows; a row names its batch stream, also across a
// reopen and a trip through the dead letters.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include "outbox/outbox.hpp"
#include "outbox/schema.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;

namespace {

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
}

// What a build of schema version 2 wrote: two rows waiting and a dead letter.
void write_version_2_file(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  exec(db,
       "PRAGMA journal_mode=WAL;"
       "CREATE TABLE remotes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
       "CREATE TABLE counters(remote_id INTEGER NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,"
       " PRIMARY KEY(remote_id, name)) WITHOUT ROWID;"
       "CREATE TABLE dead_letters(id INTEGER PRIMARY KEY, remote_id INTEGER NOT NULL, topic TEXT NOT NULL,"
       " payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL, received_at INTEGER NOT NULL,"
       " failed_at INTEGER NOT NULL, reason TEXT NOT NULL, reason_code INTEGER NOT NULL, attempts INTEGER NOT NULL,"
       " detail TEXT NOT NULL, retry INTEGER NOT NULL DEFAULT 0);"
       "INSERT INTO remotes(id, name) VALUES(1, 'ops');"
       "CREATE TABLE q_1(id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL,"
       " retain INTEGER NOT NULL, received_at INTEGER NOT NULL);"
       "CREATE INDEX q_1_received_at ON q_1(received_at);"
       // Received a minute ago: well within the default ttl (7d), which would drop older rows.
       "INSERT INTO q_1 VALUES(1, 'a', 'one', 1, 0, unixepoch() * 1000 - 60000),"
       " (2, 'b', 'two', 1, 0, unixepoch() * 1000 - 59999);"
       "INSERT INTO counters VALUES(1, 'last_id', 2), (1, 'stored', 2);"
       "INSERT INTO dead_letters(remote_id, topic, payload, qos, retain, received_at, failed_at, reason, reason_code,"
       " attempts, detail) VALUES(1, 'x', 'refused', 1, 0, 1, 2, 'refused', 131, 1, 'no');"
       "PRAGMA user_version=2;");
  sqlite3_close(db);
}

bool has_column(const std::string& path, const std::string& table, const std::string& column) {
  sql::Connection db = outbox_schema::open_reader(path);
  return db.query_int("SELECT count(*) FROM pragma_table_info('" + table + "') WHERE name = '" + column + "'") > 0;
}

std::shared_ptr<const BatchSpec> stream(const std::string& topic, BatchFormat format) {
  auto s = std::make_shared<BatchSpec>();
  s->topic = topic;
  s->format = format;
  return s;
}

}  // namespace

TEST_CASE("a version 2 outbox is upgraded in place and keeps its rows, its ids and its dead letters",
          "[outbox][schema]") {
  ScratchDir dir;
  const std::string path = dir.file("outbox.db");
  write_version_2_file(path);
  {
    OutboxStore store(options_for(dir));
    OutboxQueue& q = store.queue("ops", OutboxLimits{});
    auto rows = q.read_after(0, 10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].message.payload == "one");
    CHECK_FALSE(rows[0].message.batch);  // sent alone, as before
    CHECK(q.counters().dead_letters == 1);
    Message m = make_message("c", "three");
    m.batch = stream("site1/batch", BatchFormat::json_lines);
    const Accepted a = q.enqueue(m, false);
    CHECK(a.id == 3);  // ids continue after the old ones
    store.flush();
  }
  sql::Connection db = outbox_schema::open_reader(path);
  CHECK(db.query_int("PRAGMA user_version") == outbox_schema::kVersion);
  CHECK(has_column(path, "q_1", "batch"));
  CHECK(has_column(path, "dead_letters", "batch"));
  OutboxStore store(options_for(dir));
  auto rows = store.queue("ops", OutboxLimits{}).read_after(0, 10);
  REQUIRE(rows.size() == 3);
  REQUIRE(rows[2].message.batch);
  CHECK(rows[2].message.batch->topic == "site1/batch");
  CHECK(rows[2].message.batch->format == BatchFormat::json_lines);
}

TEST_CASE("rows of different streams keep their stream across a reopen", "[outbox][schema]") {
  ScratchDir dir;
  {
    OutboxStore store(options_for(dir));
    OutboxQueue& q = store.queue("ops", OutboxLimits{});
    Message a = make_message("r1", "1");
    a.batch = stream("site1/a/batch", BatchFormat::json_array);
    Message b = make_message("r2", "2");
    b.batch = stream("site1/b/batch", BatchFormat::json_lines);
    put(q, a);
    put(q, make_message("alone", "3"));
    put(q, b);
    put(q, a);
  }
  OutboxStore store(options_for(dir));
  auto rows = store.queue("ops", OutboxLimits{}).read_after(0, 10);
  REQUIRE(rows.size() == 4);
  REQUIRE(rows[0].message.batch);
  CHECK(rows[0].message.batch->topic == "site1/a/batch");
  CHECK_FALSE(rows[1].message.batch);
  REQUIRE(rows[2].message.batch);
  CHECK(rows[2].message.batch->topic == "site1/b/batch");
  CHECK(rows[2].message.batch->format == BatchFormat::json_lines);
  REQUIRE(rows[3].message.batch);
  CHECK(rows[3].message.batch->topic == "site1/a/batch");
}

TEST_CASE("a batched row put back from the dead letters returns to its stream", "[outbox][schema]") {
  ScratchDir dir;
  OutboxStore store(options_for(dir));
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  Message m = make_message("r1", "1");
  m.batch = stream("site1/batch", BatchFormat::json_array);
  const Accepted a = q.enqueue(m, false);
  store.flush();
  DeadLetter why;
  why.reason = DeadLetterReason::not_authorized;
  q.dead_letter(a.id, why);
  store.flush();
  REQUIRE(q.counters().dead_letters == 1);
  {
    sql::Connection editor = outbox_schema::open_editor(dir.file("outbox.db"));
    editor.exec("UPDATE dead_letters SET retry = 1");
  }
  REQUIRE(eventually(
      [&] {
        store.flush();
        return q.counters().dead_letters == 0 && q.counters().depth == 1;
      },
      std::chrono::milliseconds(10000)));
  auto rows = q.read_after(a.id, 10);
  REQUIRE(rows.size() == 1);
  REQUIRE(rows[0].message.batch);
  CHECK(rows[0].message.batch->topic == "site1/batch");
}
