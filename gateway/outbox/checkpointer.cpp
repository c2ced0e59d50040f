#include "outbox/checkpointer.hpp"

#include <spdlog/spdlog.h>

#include "core/log_limiter.hpp"

namespace edgebridge {

using namespace std::chrono_literals;

Checkpointer::Checkpointer(std::string path, Durability durability)
    : path_(std::move(path)), durability_(durability) {}

Checkpointer::~Checkpointer() { stop(); }

void Checkpointer::start() { thread_ = std::thread([this] { run(); }); }

void Checkpointer::stop() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> work(work_m_);
  db_.close();
}

void Checkpointer::wal_grew(int pages) {
  if (pages < kStartPages) return;
  {
    std::lock_guard<std::mutex> lock(m_);
    if (due_) return;
    due_ = true;
  }
  cv_.notify_one();
}

void Checkpointer::suspend() {
  {
    std::lock_guard<std::mutex> lock(m_);
    suspended_ = true;
  }
  std::lock_guard<std::mutex> work(work_m_);
  db_.close();
}

void Checkpointer::resume() {
  {
    std::lock_guard<std::mutex> lock(m_);
    suspended_ = false;
  }
  cv_.notify_one();
}

void Checkpointer::run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(m_);
      cv_.wait(lock, [&] { return stop_ || (due_ && !suspended_); });
      if (stop_) return;
      due_ = false;
    }
    checkpoint();
    // At most one checkpoint per 50 ms, however fast the WAL grows.
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait_for(lock, 50ms, [&] { return stop_; });
  }
}

void Checkpointer::checkpoint() {
  std::lock_guard<std::mutex> work(work_m_);
  {
    std::lock_guard<std::mutex> lock(m_);
    if (suspended_) return;
  }
  try {
    if (!db_) {
      db_ = sql::Connection(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
      // Never checkpoint-and-delete the WAL on close: that is the writer's job.
      sqlite3_db_config(db_.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
      sqlite3_busy_timeout(db_.get(), 1000);
      db_.exec(durability_ == Durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    }
    int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) sql::check(db_.get(), rc, "Checkpoint failed");
  } catch (const sql::Error& e) {
    db_.close();
    static LogLimiter limiter;
    std::uint64_t suppressed = 0;
    if (limiter.allow(suppressed))
      spdlog::warn("Outbox checkpoint failed. path={} error=\"{}\" suppressed={}", path_, e.what(), suppressed);
  }
}

}  // namespace edgebridge
