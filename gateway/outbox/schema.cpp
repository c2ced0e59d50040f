#include "outbox/schema.hpp"

#include <vector>

namespace edgebridge::outbox_schema {

namespace {

void verify(sql::Connection& db) {
  // quick_check reports damage as rows of text; a file that is not a database
  // at all fails already when the first page is read.
  sql::Statement check = db.prepare("PRAGMA quick_check(1)");
  std::string result = check.step() ? check.text(0) : std::string("no result");
  if (result != "ok") throw sql::Error(SQLITE_CORRUPT, "quick_check: " + result);
}

bool has_column(sql::Connection& db, const std::string& table, const std::string& column) {
  sql::Statement info = db.prepare("SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
  info.bind_text(1, table);
  info.bind_text(2, column);
  return info.step() && info.int64(0) > 0;
}

void ensure_schema(sql::Connection& db) {
  auto version = db.query_int("PRAGMA user_version");
  if (version > kVersion)
    throw sql::Error(SQLITE_MISMATCH, "schema version " + std::to_string(version) + " is newer than this build's " +
                                          std::to_string(kVersion));
  if (version == kVersion) return;
  // Every step is idempotent: an older file gains what the later versions added.
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(
        "CREATE TABLE IF NOT EXISTS remotes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
        "CREATE TABLE IF NOT EXISTS counters(remote_id INTEGER NOT NULL, name TEXT NOT NULL,"
        " value INTEGER NOT NULL, PRIMARY KEY(remote_id, name)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS dead_letters(id INTEGER PRIMARY KEY, remote_id INTEGER NOT NULL,"
        " topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,"
        " received_at INTEGER NOT NULL, failed_at INTEGER NOT NULL, reason TEXT NOT NULL,"
        " reason_code INTEGER NOT NULL, attempts INTEGER NOT NULL, detail TEXT NOT NULL,"
        " retry INTEGER NOT NULL DEFAULT 0, batch INTEGER);"
        "CREATE INDEX IF NOT EXISTS dead_letters_retry ON dead_letters(retry) WHERE retry != 0;"
        "CREATE TABLE IF NOT EXISTS batch_streams(id INTEGER PRIMARY KEY, remote_id INTEGER NOT NULL,"
        " topic TEXT NOT NULL, format TEXT NOT NULL, UNIQUE(remote_id, topic, format));");
    // Version 2 -> 3: the batch column, in the dead letters and in every queue table.
    if (!has_column(db, "dead_letters", "batch")) db.exec("ALTER TABLE dead_letters ADD COLUMN batch INTEGER");
    std::vector<std::string> queues;
    {
      sql::Statement tables = db.prepare(
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'q_[0-9]*'");
      while (tables.step()) queues.push_back(tables.text(0));
    }
    for (const std::string& t : queues)
      if (!has_column(db, t, "batch")) db.exec("ALTER TABLE " + t + " ADD COLUMN batch INTEGER");
    db.exec("PRAGMA user_version=" + std::to_string(kVersion));
    db.exec("COMMIT");
  } catch (const sql::Error&) {
    try {
      db.exec("ROLLBACK");
    } catch (const sql::Error&) {
    }
    throw;
  }
}

}  // namespace

sql::Connection open_writer(const std::string& path, Durability durability) {
  sql::Connection db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  sqlite3_busy_timeout(db.get(), 5000);
  std::string mode = db.query_text("PRAGMA journal_mode=WAL");
  if (mode != "wal") throw sql::Error(SQLITE_CANTOPEN, "WAL journal mode unavailable (got \"" + mode + "\")");
  db.exec(durability == Durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db.exec("PRAGMA journal_size_limit=67108864");
  // Debian builds SQLite with SECURE_DELETE: every delivered row would be
  // overwritten with zeros, which for a 64 KiB message means 16 more pages
  // through the WAL and the checkpoint. FAST still zeroes what lies in pages
  // written anyway, without extra I/O.
  db.exec("PRAGMA secure_delete=FAST");
  // The writer appends at one end of each b-tree and deletes at the other: a
  // few pages per level are hot. Every page it writes stays cached until the
  // cache is full, so the cache size is what a long backlog adds to the RSS.
  db.exec("PRAGMA cache_size=-2048");
  verify(db);
  ensure_schema(db);
  return db;
}

sql::Connection open_reader(const std::string& path) {
  sql::Connection db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_busy_timeout(db.get(), 1000);
  // The forwarder reads each row once, oldest first: a small cache does.
  db.exec("PRAGMA cache_size=-512");
  return db;
}

sql::Connection open_editor(const std::string& path) {
  sql::Connection db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_busy_timeout(db.get(), 10000);
  const auto version = db.query_int("PRAGMA user_version");
  if (version < 2)
    throw sql::Error(SQLITE_MISMATCH, "the database has no dead letters yet (schema version " +
                                          std::to_string(version) + "); start the gateway once to upgrade it");
  return db;
}

std::string queue_table(std::int64_t remote_id) { return "q_" + std::to_string(remote_id); }

std::int64_t ensure_remote(sql::Connection& db, const std::string& name) {
  sql::Statement insert = db.prepare("INSERT OR IGNORE INTO remotes(name) VALUES(?)");
  insert.bind_text(1, name);
  insert.run();
  sql::Statement select = db.prepare("SELECT id FROM remotes WHERE name = ?");
  select.bind_text(1, name);
  if (!select.step()) throw sql::Error(SQLITE_INTERNAL, "remote row missing after insert");
  return select.int64(0);
}

void ensure_queue_table(sql::Connection& db, std::int64_t remote_id) {
  const std::string t = queue_table(remote_id);
  db.exec("CREATE TABLE IF NOT EXISTS " + t +
          "(id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL,"
          " retain INTEGER NOT NULL, received_at INTEGER NOT NULL, batch INTEGER);"
          "CREATE INDEX IF NOT EXISTS " +
          t + "_received_at ON " + t + "(received_at);");
}

}  // namespace edgebridge::outbox_schema
