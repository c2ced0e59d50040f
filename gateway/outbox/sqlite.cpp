#include "outbox/sqlite.hpp"

#include <utility>

namespace edgebridge::sql {

void check(sqlite3* db, int rc, const char* what) {
  if (rc == SQLITE_OK) return;
  std::string message = what;
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int code = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  if ((code & 0xff) != (rc & 0xff)) code = rc;
  throw Error(code, message);
}

Statement::Statement(sqlite3* db, const std::string& text) : db_(db) {
  int rc = sqlite3_prepare_v3(db, text.c_str(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT,
                              &stmt_, nullptr);
  check(db, rc, "Prepare failed");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

void Statement::bind(int index, std::int64_t value) {
  check(db_, sqlite3_bind_int64(stmt_, index, value), "Bind failed");
}

void Statement::bind_null(int index) { check(db_, sqlite3_bind_null(stmt_, index), "Bind failed"); }

void Statement::bind_text(int index, const std::string& value) {
  check(db_, sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8),
        "Bind failed");
}

void Statement::bind_blob(int index, const std::string& value) {
  // A zero-length blob must not bind as NULL: sqlite3_bind_blob64 with a null
  // pointer does, so point at a valid empty buffer.
  const char* data = value.empty() ? "" : value.data();
  check(db_, sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_STATIC), "Bind failed");
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  check(db_, rc, "Step failed");
  return false;
}

void Statement::run() {
  while (step()) {
  }
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::string Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  return p != nullptr ? std::string(static_cast<const char*>(p), n) : std::string();
}

void Statement::reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Connection::Connection(const std::string& path, int flags) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "Cannot open " + path + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(rc, message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() { close(); }

Connection::Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

void Connection::exec(const std::string& text) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  check(db_, rc, "Statement failed");
}

std::int64_t Connection::query_int(const std::string& text, std::int64_t fallback) {
  Statement s(db_, text);
  if (!s.step() || s.is_null(0)) return fallback;
  return s.int64(0);
}

std::string Connection::query_text(const std::string& text) {
  Statement s(db_, text);
  if (!s.step()) return {};
  return s.text(0);
}

void Connection::close() {
  if (db_ == nullptr) return;
  // Statements are owned elsewhere and finalized before the connection closes;
  // sqlite3_close_v2 still defers the close if one was forgotten.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

}  // namespace edgebridge::sql
