#include "rules/rule_state_store.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <stdexcept>

namespace edgebridge::rules {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS rule_state("
    " rule TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,"
    " holding INTEGER NOT NULL, fired INTEGER NOT NULL, since_ms INTEGER NOT NULL, last_true_ms INTEGER NOT NULL,"
    " topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,"
    " source_kind INTEGER NOT NULL, source_name TEXT NOT NULL, updated_ms INTEGER NOT NULL) WITHOUT ROWID";

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = sqlite3_column_blob(s, i);
  const int n = sqlite3_column_bytes(s, i);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

SourceKind source_kind_from(std::int64_t v) {
  switch (v) {
    case 1: return SourceKind::remote;
    case 2: return SourceKind::device;
    case 3: return SourceKind::rule;
    default: return SourceKind::local;
  }
}

int source_kind_code(SourceKind k) {
  switch (k) {
    case SourceKind::local: return 0;
    case SourceKind::remote: return 1;
    case SourceKind::device: return 2;
    case SourceKind::rule: return 3;
  }
  return 0;
}

}  // namespace

RuleStateStore::RuleStateStore(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 2000);
  std::string why;
  if (!exec("PRAGMA journal_mode=WAL", why) || !exec("PRAGMA synchronous=NORMAL", why) || !exec(kSchema, why) ||
      sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO rule_state(rule, fingerprint, holding, fired, since_ms, last_true_ms,"
                         " topic, payload, qos, retain, source_kind, source_name, updated_ms)"
                         " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         -1, &upsert_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, "DELETE FROM rule_state WHERE rule = ?", -1, &remove_, nullptr) != SQLITE_OK) {
    if (why.empty()) why = sqlite3_errmsg(db_);
    sqlite3_finalize(upsert_);
    sqlite3_finalize(remove_);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot use " + path + " for rule state: " + why);
  }
}

RuleStateStore::~RuleStateStore() {
  sqlite3_finalize(upsert_);
  sqlite3_finalize(remove_);
  sqlite3_close(db_);
}

bool RuleStateStore::exec(const char* sql, std::string& why) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) == SQLITE_OK) return true;
  why = error ? error : "unknown SQLite error";
  sqlite3_free(error);
  return false;
}

std::vector<RuleStateStore::Row> RuleStateStore::load() {
  std::vector<Row> rows;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT rule, fingerprint, holding, fired, since_ms, last_true_ms, topic, payload, qos, retain,"
                         " source_kind, source_name FROM rule_state",
                         -1, &s, nullptr) != SQLITE_OK)
    return rows;
  while (sqlite3_step(s) == SQLITE_ROW) {
    Row r;
    r.rule = column_text(s, 0);
    r.fingerprint = column_text(s, 1);
    r.state.holding = sqlite3_column_int64(s, 2) != 0;
    r.state.fired = sqlite3_column_int64(s, 3) != 0;
    r.state.since_ms = sqlite3_column_int64(s, 4);
    r.state.last_true_ms = sqlite3_column_int64(s, 5);
    r.state.last.topic = column_text(s, 6);
    r.state.last.payload = column_text(s, 7);
    r.state.last.qos = sqlite3_column_int(s, 8);
    r.state.last.retain = sqlite3_column_int(s, 9) != 0;
    r.state.last.source_kind = source_kind_from(sqlite3_column_int64(s, 10));
    r.state.last.source_name = column_text(s, 11);
    rows.push_back(std::move(r));
  }
  sqlite3_finalize(s);
  return rows;
}

bool RuleStateStore::save(const std::string& rule, const std::string& fingerprint, const HoldState& state,
                          std::int64_t now_ms, std::string& why) {
  sqlite3_stmt* s = state.holding ? upsert_ : remove_;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  sqlite3_bind_text(s, 1, rule.data(), static_cast<int>(rule.size()), SQLITE_TRANSIENT);
  if (state.holding) {
    const auto& m = state.last;
    sqlite3_bind_text(s, 2, fingerprint.data(), static_cast<int>(fingerprint.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, 1);
    sqlite3_bind_int(s, 4, state.fired ? 1 : 0);
    sqlite3_bind_int64(s, 5, state.since_ms);
    sqlite3_bind_int64(s, 6, state.last_true_ms);
    sqlite3_bind_text(s, 7, m.topic.data(), static_cast<int>(m.topic.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 8, m.payload.data(), static_cast<int>(m.payload.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 9, m.qos);
    sqlite3_bind_int(s, 10, m.retain ? 1 : 0);
    sqlite3_bind_int(s, 11, source_kind_code(m.source_kind));
    sqlite3_bind_text(s, 12, m.source_name.data(), static_cast<int>(m.source_name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 13, now_ms);
  }
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc == SQLITE_DONE) return true;
  why = sqlite3_errmsg(db_);
  return false;
}

void RuleStateStore::keep_only(const std::vector<std::string>& rules) {
  std::string why;
  exec("CREATE TEMP TABLE IF NOT EXISTS configured_rules(rule TEXT PRIMARY KEY); DELETE FROM configured_rules", why);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT OR IGNORE INTO configured_rules(rule) VALUES(?)", -1, &s, nullptr) != SQLITE_OK)
    return;
  for (const auto& r : rules) {
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, r.data(), static_cast<int>(r.size()), SQLITE_TRANSIENT);
    sqlite3_step(s);
  }
  sqlite3_finalize(s);
  exec("DELETE FROM rule_state WHERE rule NOT IN (SELECT rule FROM configured_rules)", why);
}

std::string hold_fingerprint(const std::string& sql, std::int64_t hold_ms, std::int64_t max_gap_ms) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  auto mix = [&h](const std::string& s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  };
  mix(sql);
  mix("|" + std::to_string(hold_ms) + "|" + std::to_string(max_gap_ms));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace edgebridge::rules
