#pragma once
// Persists the holds of rules with `for:` so a restart neither forgets a hold
// that has run for 14 of its 15 minutes nor fires one again that already
// fired. Lives in the outbox's database file (<state_dir>/outbox.db) in its
// own table, rule_state, through its own connection (WAL, busy_timeout);
// the outbox's tables and user_version are not touched.
//
// A row is written when a hold starts, fires, is dropped or ends, and while
// it continues at most once per `min_rewrite` (the last true message, for
// firing after a restart). A row whose fingerprint (SQL, for, max_gap) no
// longer matches the rule is ignored: an edited rule starts afresh.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rules/hold.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace edgebridge::rules {

class RuleStateStore {
 public:
  // Opens or creates `path` and the rule_state table. Throws
  // std::runtime_error when the file cannot be opened as a database.
  explicit RuleStateStore(const std::string& path);
  ~RuleStateStore();
  RuleStateStore(const RuleStateStore&) = delete;
  RuleStateStore& operator=(const RuleStateStore&) = delete;

  struct Row {
    std::string rule;
    std::string fingerprint;
    HoldState state;
  };
  std::vector<Row> load();
  // Saves the hold (or deletes the row when not holding). False and `why` on
  // a SQLite error (busy past the timeout, disk full); never throws.
  bool save(const std::string& rule, const std::string& fingerprint, const HoldState& state, std::int64_t now_ms,
            std::string& why);
  // Deletes the rows of rules that are no longer configured.
  void keep_only(const std::vector<std::string>& rules);

 private:
  bool exec(const char* sql, std::string& why);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
};

// A stable fingerprint of what a hold depends on.
std::string hold_fingerprint(const std::string& sql, std::int64_t hold_ms, std::int64_t max_gap_ms);

}  // namespace edgebridge::rules
