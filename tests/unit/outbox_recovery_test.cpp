#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "outbox/outbox.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

void write_garbage(const std::string& path, std::size_t offset, std::size_t size) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!f) f.open(path, std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  std::mt19937 rng(42);
  for (std::size_t i = 0; i < size; ++i) f.put(static_cast<char>(rng() & 0xff));
}

void fill(OutboxQueue& q, int n, std::size_t payload_size = 200) {
  for (int i = 0; i < n; ++i) put(q, make_message("t", std::string(payload_size, 'p')));
}

// A second connection, as an operator's sqlite3 shell would open one.
void checkpoint(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

void check_fresh_store_works(OutboxStore& store) {
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  CHECK(q.counters().depth == 0);
  REQUIRE(put(q, make_message("t", "after")) == Delivery::ok);
  store.flush();
  auto rows = q.read_after(0, 10);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].message.payload == "after");
}

}  // namespace

TEST_CASE("a file overwritten with garbage is moved aside and a fresh store starts", "[outbox][recovery]") {
  ScratchDir dir;
  FakeWallClock clock;  // 2023-11-14T22:13:20Z
  OutboxOptions o = options_for(dir);
  o.clock = clock.fn();
  write_garbage(o.path, 0, 64 * 1024);

  OutboxStore store(o);
  CHECK(store.quarantined_path() == dir.file("outbox.db.corrupt-20231114T221320Z"));
  CHECK(fs::file_size(store.quarantined_path()) == 64 * 1024);
  check_fresh_store_works(store);
}

TEST_CASE("a truncated file is moved aside and a fresh store starts", "[outbox][recovery]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  {
    OutboxStore store(o);
    fill(store.queue("ops", OutboxLimits{}), 2000);
  }  // a clean close folds the WAL into the file
  REQUIRE_FALSE(fs::exists(o.path + "-wal"));
  fs::resize_file(o.path, fs::file_size(o.path) / 2);

  OutboxStore store(o);
  CHECK_FALSE(store.quarantined_path().empty());
  CHECK(store.quarantined_path().find("outbox.db.corrupt-") != std::string::npos);
  check_fresh_store_works(store);
}

TEST_CASE("two damaged files in the same second get different names", "[outbox][recovery]") {
  ScratchDir dir;
  FakeWallClock clock;
  OutboxOptions o = options_for(dir);
  o.clock = clock.fn();
  write_garbage(o.path, 0, 8192);
  std::string first;
  {
    OutboxStore store(o);
    first = store.quarantined_path();
  }
  write_garbage(o.path, 0, 8192);
  OutboxStore store(o);
  CHECK_FALSE(store.quarantined_path().empty());
  CHECK(store.quarantined_path() != first);
  CHECK(fs::exists(first));
}

TEST_CASE("corruption found while running moves the file aside and counts the lost rows", "[outbox][recovery]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  fill(q, 2000);
  store.flush();
  checkpoint(o.path);
  write_garbage(o.path, 4096, static_cast<std::size_t>(fs::file_size(o.path)) - 4096);

  // The forwarder's read finds the damage; the writer checks the file and replaces it.
  CHECK(q.read_after(0, 100).empty());
  REQUIRE(eventually([&] { return !store.quarantined_path().empty(); }));
  CHECK(dropped(q.counters(), DropReason::io_error) == 2000);
  CHECK(q.counters().depth == 0);

  const std::int64_t before = 0;
  put(q, make_message("t", "after"));
  store.flush();
  auto rows = q.read_after(before, 10);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].message.payload == "after");
}

TEST_CASE("a full disk drops the batch, counts it, and the store recovers when room returns", "[outbox][recovery]") {
  ScratchDir dir;
  OutboxOptions o = options_for(dir);
  OutboxStore store(o);
  OutboxQueue& q = store.queue("ops", OutboxLimits{});
  fill(q, 100);
  store.flush();
  auto waiting = q.read_after(0, 100);
  REQUIRE(waiting.size() == 100);

  // PRAGMA max_page_count makes SQLite answer SQLITE_FULL, as a full disk does.
  store.set_max_file_bytes(1);
  fill(q, 500, 1000);
  store.flush();
  auto c = q.counters();
  CHECK(dropped(c, DropReason::disk_full) > 0);
  CHECK(c.stored + dropped(c, DropReason::disk_full) == 600);  // every message accounted for
  CHECK(c.pending == 0);

  // Acks still go through while the disk is full: deleting needs no new pages.
  for (int i = 0; i < 10; ++i) q.ack(waiting[static_cast<std::size_t>(i)].id);
  fill(q, 5, 1000);
  store.flush();
  CHECK(q.counters().acked == 10);

  // Room again: the next batches are written normally.
  store.set_max_file_bytes(0);
  const auto full_before = dropped(q.counters(), DropReason::disk_full);
  put(q, make_message("t", "after"));
  store.flush();
  CHECK(dropped(q.counters(), DropReason::disk_full) == full_before);
  auto rows = q.read_after(0, 10'000);
  REQUIRE_FALSE(rows.empty());
  CHECK(rows.back().message.payload == "after");
  CHECK(rows.size() == q.counters().depth);
}
