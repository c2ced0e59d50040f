#include "outbox/writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "outbox/queue_impl.hpp"
#include "outbox/quarantine.hpp"
#include "outbox/schema.hpp"

namespace edgebridge {

using namespace std::chrono_literals;

Writer::Writer(OutboxOptions options, sql::Connection db)
    : options_(std::move(options)), db_(std::move(db)), checkpointer_(options_.path, options_.durability) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  prepare_connection();
}

void Writer::prepare_connection() {
  begin_ = db_.prepare("BEGIN IMMEDIATE");
  commit_ = db_.prepare("COMMIT");
  rollback_ = db_.prepare("ROLLBACK");
  upsert_counter_ = db_.prepare(
      "INSERT INTO counters(remote_id, name, value) VALUES(?, ?, ?)"
      " ON CONFLICT(remote_id, name) DO UPDATE SET value = excluded.value");
  // Replaces SQLite's automatic checkpoint, which would run inside our commits.
  sqlite3_wal_hook(db_.get(), &Writer::wal_hook, this);
}

int Writer::wal_hook(void* self, sqlite3*, const char*, int pages) {
  auto* w = static_cast<Writer*>(self);
  w->wal_pages_ = pages;
  w->checkpointer_.wal_grew(pages);
  return SQLITE_OK;
}

void Writer::cap_wal() {
  if (wal_pages_ < kWalCapPages || !db_) return;
  wal_pages_ = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    std::uint64_t suppressed = 0;
    if (error_log_.allow(suppressed))
      spdlog::warn("Outbox checkpoint failed. path={} error=\"{}\"", options_.path, sqlite3_errmsg(db_.get()));
  }
}

Writer::~Writer() { stop(); }

void Writer::start() {
  {
    std::lock_guard<std::mutex> lock(m_);
    running_ = true;
  }
  checkpointer_.start();
  thread_ = std::thread([this] { run(); });
}

void Writer::stop() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  space_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  checkpointer_.stop();
  for (QueueImpl* q : queues_) q->close_reader();
  queues_.clear();  // the queues may go before the writer does; stop() may run twice
  sql_.clear();
  begin_ = {};
  commit_ = {};
  rollback_ = {};
  upsert_counter_ = {};
  db_.close();
}

bool Writer::push(Op op) {
  bool sooner = false;  // this op may make the queued batch due sooner: wake the writer
  {
    std::unique_lock<std::mutex> lock(m_);
    if (op.kind == Op::Kind::insert) {
      // Back-pressure: never let accepted-but-untaken messages grow without bound.
      space_cv_.wait(lock, [&] {
        return stopping_ || pending_insert_bytes_ == 0 ||
               pending_insert_bytes_ + op.bytes <= options_.max_pending_bytes;
      });
    }
    if (stopping_) return false;
    switch (op.kind) {
      case Op::Kind::insert:
        sooner = inserts_queued_++ == 0;
        pending_insert_bytes_ += op.bytes;
        break;
      case Op::Kind::ack:
        if (acks_queued_++ == 0) {
          first_ack_queued_ = std::chrono::steady_clock::now();
          sooner = true;
        }
        break;
      case Op::Kind::task: ++tasks_queued_; sooner = true; break;
    }
    ops_.push_back(std::move(op));
    ++submitted_;
    sooner = sooner || ops_.size() >= options_.max_batch;
  }
  if (sooner) work_cv_.notify_one();
  return true;
}

std::chrono::steady_clock::time_point Writer::due_locked() const {
  using time_point = std::chrono::steady_clock::time_point;
  if (tasks_queued_ > 0 || ops_.size() >= options_.max_batch) return time_point::min();
  time_point due = time_point::max();
  if (inserts_queued_ > 0) due = std::min(due, last_batch_ + options_.max_batch_delay);
  if (acks_queued_ > 0)
    due = std::min(due, first_ack_queued_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                options_.ack_delay));
  return due;
}

bool Writer::insert(QueueImpl& queue, Message message, std::size_t bytes) {
  Op op;
  op.kind = Op::Kind::insert;
  op.queue = &queue;
  op.message = std::move(message);
  op.bytes = bytes;
  op.accepted = std::chrono::steady_clock::now();
  return push(std::move(op));
}

void Writer::ack(QueueImpl& queue, std::int64_t id) {
  Op op;
  op.kind = Op::Kind::ack;
  op.queue = &queue;
  op.id = id;
  push(std::move(op));
}

void Writer::add_queue(QueueImpl& queue) {
  Op op;
  op.kind = Op::Kind::task;
  op.task = [this, &queue] { queues_.push_back(&queue); };
  push(std::move(op));
  flush();
}

void Writer::set_max_file_bytes(std::uint64_t bytes) {
  Op op;
  op.kind = Op::Kind::task;
  op.task = [this, bytes] {
    max_file_bytes_ = bytes;
    apply_file_limit();
  };
  push(std::move(op));
  flush();
}

void Writer::request_sweep() {
  sweep_requested_ = true;
  work_cv_.notify_one();
}

void Writer::report_corruption() {
  corruption_reported_ = true;
  work_cv_.notify_one();
}

void Writer::flush() {
  std::unique_lock<std::mutex> lock(m_);
  if (!running_) return;
  // A flush also persists the counters, so `outbox stats` sees them at once.
  Op op;
  op.kind = Op::Kind::task;
  op.task = [this] { force_persist_ = true; };
  ops_.push_back(std::move(op));
  ++tasks_queued_;
  const std::uint64_t target = ++submitted_;
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return processed_ >= target || !running_; });
}

std::string Writer::quarantined_path() const {
  std::lock_guard<std::mutex> lock(quarantine_m_);
  return quarantined_;
}

void Writer::set_quarantined_path(std::string path) {
  std::lock_guard<std::mutex> lock(quarantine_m_);
  quarantined_ = std::move(path);
}

void Writer::run() {
  auto next_tick = std::chrono::steady_clock::now() + 1s;
  std::vector<Op> batch;
  for (;;) {
    batch.clear();
    std::uint64_t taken = 0;
    bool final = false;
    {
      std::unique_lock<std::mutex> lock(m_);
      // Until the next tick, or until what is queued is due (see due_locked()).
      for (;;) {
        if (stopping_ || corruption_reported_.load() || sweep_requested_.load()) break;
        const auto now = std::chrono::steady_clock::now();
        const auto due = due_locked();
        if (now >= next_tick || due <= now) break;
        work_cv_.wait_until(lock, std::min(due, next_tick));
      }
      // A tick or a sweep does not take what is not due yet.
      const bool take = stopping_ || due_locked() <= std::chrono::steady_clock::now();
      const std::size_t n = take ? std::min(ops_.size(), options_.max_batch) : 0;
      if (inserts_queued_ > 0 && n > 0) last_batch_ = std::chrono::steady_clock::now();
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        switch (ops_.front().kind) {
          case Op::Kind::insert:
            --inserts_queued_;
            pending_insert_bytes_ -= ops_.front().bytes;
            break;
          case Op::Kind::ack: --acks_queued_; break;
          case Op::Kind::task: --tasks_queued_; break;
        }
        batch.push_back(std::move(ops_.front()));
        ops_.pop_front();
      }
      taken = processed_ + n;
      final = stopping_ && ops_.empty();
    }
    if (!batch.empty()) space_cv_.notify_all();
    const auto now = std::chrono::steady_clock::now();
    const bool tick = now >= next_tick || final;
    if (tick) next_tick = now + 1s;
    process(batch, tick, final);
    {
      std::lock_guard<std::mutex> lock(m_);
      processed_ = taken;
      if (final) running_ = false;
    }
    done_cv_.notify_all();
    if (final) break;
  }
}

void Writer::apply_file_limit() {
  if (!db_) return;
  try {
    // 4294967294 is SQLite's largest max_page_count: no cap.
    std::int64_t pages = 4294967294LL;
    if (max_file_bytes_ > 0) {
      auto page_size = static_cast<std::uint64_t>(db_.query_int("PRAGMA page_size", 4096));
      pages = static_cast<std::int64_t>(std::max<std::uint64_t>(1, max_file_bytes_ / page_size));
    }
    db_.query_int("PRAGMA max_page_count=" + std::to_string(pages));
  } catch (const sql::Error& e) {
    spdlog::warn("Outbox file limit not applied. path={} error=\"{}\"", options_.path, e.what());
  }
}

bool Writer::reopen() {
  try {
    db_ = outbox_schema::open_writer(options_.path, options_.durability);
    prepare_connection();
    apply_file_limit();
    checkpointer_.resume();
    spdlog::info("Outbox database opened. path={}", options_.path);
    return true;
  } catch (const sql::Error& e) {
    begin_ = {};
    commit_ = {};
    rollback_ = {};
    upsert_counter_ = {};
    db_.close();
    next_reopen_ = std::chrono::steady_clock::now() + 5s;
    spdlog::error("Outbox database cannot be opened; messages are dropped until it can. path={} error=\"{}\"",
                  options_.path, e.what());
    return false;
  }
}

void Writer::recover_from_corruption(const std::string& why) {
  spdlog::error("Outbox database is corrupt. path={} error=\"{}\"", options_.path, why);
  ++generation_;
  for (QueueImpl* q : queues_) {
    std::lock_guard<std::mutex> lock(q->m);
    q->state.table.clear();
  }
  for (QueueImpl* q : queues_) q->close_reader();
  checkpointer_.suspend();
  sql_.clear();
  begin_ = {};
  commit_ = {};
  rollback_ = {};
  upsert_counter_ = {};
  db_.close();

  std::string error;
  std::string moved = quarantine_database(options_.path, "corrupt", options_.clock(), error);
  if (moved.empty()) {
    spdlog::error("Corrupt outbox could not be moved aside. path={} error=\"{}\"", options_.path, error);
  } else {
    spdlog::error("Moved the corrupt outbox aside; starting a new one. path={} moved_to={}", options_.path, moved);
  }
  // The rows in the damaged file will not be delivered: count them.
  for (QueueImpl* q : queues_) {
    std::lock_guard<std::mutex> lock(q->m);
    auto& s = q->state;
    s.totals.dropped[static_cast<std::size_t>(DropReason::io_error)] += s.committed_count;
    s.committed_count = 0;
    s.committed_bytes = 0;
    s.acked.clear();
    s.max_live_id = 0;
    s.oldest_ms = 0;
  }
  // Published after the counts: whoever sees the new path also sees the rows it lost.
  if (!moved.empty()) set_quarantined_path(moved);
  counters_dirty_ = true;
  retry_acks_.clear();
  reopen();
}

}  // namespace edgebridge
