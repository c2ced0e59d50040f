#pragma once
// A thin RAII layer over the SQLite C API for the outbox: connections,
// statements prepared once and reused, and errors that keep SQLite's result
// code so callers can tell a full disk from a corrupt file. Errors are thrown
// as sql::Error inside the outbox and caught at its batch and open boundaries;
// none leaves the module.

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace edgebridge::sql {

class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // extended result code
  int primary() const { return code_ & 0xff; }
  bool corrupt() const { return primary() == SQLITE_CORRUPT || primary() == SQLITE_NOTADB; }
  bool full() const { return primary() == SQLITE_FULL; }

 private:
  int code_;
};

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, const std::string& text);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  explicit operator bool() const { return stmt_ != nullptr; }
  void bind(int index, std::int64_t value);
  void bind_null(int index);
  // Text and blobs are bound without a copy: `value` must outlive the step.
  // Temporaries are refused at compile time for that reason.
  void bind_text(int index, const std::string& value);
  void bind_blob(int index, const std::string& value);
  void bind_text(int index, std::string&& value) = delete;
  void bind_blob(int index, std::string&& value) = delete;
  // true: a row is available; false: done. Throws Error.
  bool step();
  // Runs to completion, ignoring any rows.
  void run();
  std::int64_t int64(int column) const;
  bool is_null(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  // Resets the statement and clears its bindings (ends its read transaction).
  void reset();

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when it goes out of scope, so no read snapshot stays open.
class ResetGuard {
 public:
  explicit ResetGuard(Statement& s) : s_(s) {}
  ~ResetGuard() { s_.reset(); }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  Statement& s_;
};

class Connection {
 public:
  Connection() = default;
  // Throws Error when the file cannot be opened.
  Connection(const std::string& path, int flags);
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  explicit operator bool() const { return db_ != nullptr; }
  sqlite3* get() const { return db_; }
  void exec(const std::string& text);
  Statement prepare(const std::string& text) { return Statement(db_, text); }
  // First column of the first row, or `fallback` when there is no row or it is NULL.
  std::int64_t query_int(const std::string& text, std::int64_t fallback = 0);
  std::string query_text(const std::string& text);
  void close();

 private:
  sqlite3* db_ = nullptr;
};

// Throws Error(rc, "<what>: <sqlite message>") unless rc is SQLITE_OK.
void check(sqlite3* db, int rc, const char* what);

}  // namespace edgebridge::sql
