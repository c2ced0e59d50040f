#include "shadow/shadow_store.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "core/json_limits.hpp"
#include "core/json_text.hpp"

namespace edgebridge {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS shadow_state("
    " device TEXT PRIMARY KEY, remote TEXT NOT NULL, thing TEXT NOT NULL, name TEXT NOT NULL,"
    " reported TEXT NOT NULL, pending TEXT NOT NULL, errors TEXT NOT NULL, pending_errors TEXT NOT NULL,"
    " desired TEXT NOT NULL, version INTEGER NOT NULL, delta_version INTEGER NOT NULL,"
    " accepted_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL) WITHOUT ROWID";

constexpr const char* kColumns =
    "device, remote, thing, name, reported, pending, errors, pending_errors, desired, version, delta_version, "
    "accepted_ms, updated_ms";

nlohmann::json parsed_or(const std::string& text, nlohmann::json fallback) {
  BoundedJson parsed = parse_json_bounded(text);
  if (!parsed.ok() || parsed.value.type() != fallback.type()) return fallback;
  return parsed.value;
}

ShadowRecord row_to_record(sql::Statement& s) {
  ShadowRecord r;
  r.device = s.text(0);
  r.remote = s.text(1);
  r.thing = s.text(2);
  r.name = s.text(3);
  r.reported = parsed_or(s.text(4), nlohmann::json::object());
  r.pending = parsed_or(s.text(5), nlohmann::json::array());
  r.errors = parsed_or(s.text(6), nlohmann::json::object());
  r.pending_errors = parsed_or(s.text(7), nlohmann::json::array());
  r.desired = parsed_or(s.text(8), nlohmann::json::object());
  r.version = s.int64(9);
  r.delta_version = s.int64(10);
  r.accepted_ms = s.int64(11);
  r.updated_ms = s.int64(12);
  return r;
}

std::vector<ShadowRecord> read_all(sql::Connection& db) {
  std::vector<ShadowRecord> out;
  if (db.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'shadow_state'") == 0)
    return out;
  sql::Statement s = db.prepare(std::string("SELECT ") + kColumns + " FROM shadow_state ORDER BY device");
  while (s.step()) out.push_back(row_to_record(s));
  return out;
}

}  // namespace

ShadowStore::ShadowStore(const std::string& path) {
  try {
    db_ = sql::Connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    sqlite3_busy_timeout(db_.get(), 2000);
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA synchronous=NORMAL");
    db_.exec(kSchema);
    upsert_ = db_.prepare(std::string("INSERT OR REPLACE INTO shadow_state(") + kColumns +
                          ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    erase_ = db_.prepare("DELETE FROM shadow_state WHERE device = ?");
  } catch (const sql::Error& e) {
    throw std::runtime_error("cannot use " + path + " for device shadows: " + e.what());
  }
  thread_ = std::thread([this] { run(); });
}

ShadowStore::~ShadowStore() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  upsert_ = sql::Statement();
  erase_ = sql::Statement();
}

std::vector<ShadowRecord> ShadowStore::load() {
  std::lock_guard<std::mutex> lock(m_);
  try {
    return read_all(db_);
  } catch (const sql::Error& e) {
    spdlog::error("Cannot read the saved shadow state; starting without it. error=\"{}\"", e.what());
    return {};
  }
}

void ShadowStore::save(ShadowRecord record) {
  {
    std::lock_guard<std::mutex> lock(m_);
    std::string device = record.device;
    queued_[device] = std::move(record);
  }
  cv_.notify_all();
}

void ShadowStore::remove(const std::string& device) {
  {
    std::lock_guard<std::mutex> lock(m_);
    queued_[device] = std::nullopt;
  }
  cv_.notify_all();
}

void ShadowStore::flush() {
  std::unique_lock<std::mutex> lock(m_);
  cv_.notify_all();
  cv_.wait(lock, [&] { return (queued_.empty() && !busy_) || stopping_; });
}

void ShadowStore::run() {
  std::unique_lock<std::mutex> lock(m_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
    if (queued_.empty() && stopping_) break;
    // Let a burst of changes gather: one transaction for all of them.
    cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_; });
    std::map<std::string, std::optional<ShadowRecord>> batch;
    batch.swap(queued_);
    busy_ = true;
    lock.unlock();
    std::string why;
    const bool ok = write(batch, why);
    lock.lock();
    busy_ = false;
    if (!ok) {
      spdlog::warn("Cannot save the shadow state; trying again. error=\"{}\"", why);
      for (auto& [device, record] : batch) queued_.emplace(device, std::move(record));  // newer ones win
      cv_.notify_all();
      if (!stopping_) cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
      if (stopping_) break;
      continue;
    }
    cv_.notify_all();
  }
  cv_.notify_all();
}

bool ShadowStore::write(const std::map<std::string, std::optional<ShadowRecord>>& batch, std::string& why) {
  try {
    db_.exec("BEGIN IMMEDIATE");
    for (const auto& [device, record] : batch) {
      if (!record) {
        sql::ResetGuard guard(erase_);
        erase_.bind_text(1, device);
        erase_.run();
        continue;
      }
      const std::string reported = dump_json(record->reported), pending = dump_json(record->pending),
                        errors = dump_json(record->errors), pending_errors = dump_json(record->pending_errors),
                        desired = dump_json(record->desired);
      sql::ResetGuard guard(upsert_);
      upsert_.bind_text(1, record->device);
      upsert_.bind_text(2, record->remote);
      upsert_.bind_text(3, record->thing);
      upsert_.bind_text(4, record->name);
      upsert_.bind_text(5, reported);
      upsert_.bind_text(6, pending);
      upsert_.bind_text(7, errors);
      upsert_.bind_text(8, pending_errors);
      upsert_.bind_text(9, desired);
      upsert_.bind(10, record->version);
      upsert_.bind(11, record->delta_version);
      upsert_.bind(12, record->accepted_ms);
      upsert_.bind(13, record->updated_ms);
      upsert_.run();
    }
    db_.exec("COMMIT");
    return true;
  } catch (const sql::Error& e) {
    why = e.what();
    try {
      db_.exec("ROLLBACK");
    } catch (const sql::Error&) {
    }
    return false;
  }
}

std::vector<ShadowRecord> read_shadow_records(const std::string& path) {
  sql::Connection db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  sqlite3_busy_timeout(db.get(), 1000);
  return read_all(db);
}

}  // namespace edgebridge
