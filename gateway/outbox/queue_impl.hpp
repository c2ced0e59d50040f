#pragma once
// One remote's FIFO as the rest of the gateway sees it (OutboxQueue): admission
// with exact bounds, id assignment, the in-memory view of its table that the
// writer brings up to date after every commit, and the read connection for
// rows that are no longer in the forwarder's memory.
//
// Threads: enqueue/ack/dead_letter/count_* come from the event loop (any
// thread is safe); the writer thread calls the "writer side" methods; every
// field is guarded by m_ except the read connection (reader_m_).

#include <condition_variable>
#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>

#include "outbox/outbox.hpp"
#include "outbox/sqlite.hpp"

namespace edgebridge {

class Writer;

// What one batch changed in one queue; applied after COMMIT (queue_delta.cpp).
struct QueueDelta {
  std::int64_t count = 0;  // rows added minus rows deleted
  std::int64_t bytes = 0;
  std::uint64_t stored = 0, acked = 0, bytes_written = 0;
  std::array<std::uint64_t, kDropReasons> dropped{};
  std::array<std::uint64_t, kDeadLetterReasons> dead_lettered{};
  std::int64_t dead_letters = 0;                        // rows added to / removed from the dead letters
  std::uint64_t pending_count = 0, pending_bytes = 0;  // taken inserts: no longer pending
  std::uint64_t skipped = 0;                           // acknowledged before they were written
  std::uint64_t early_resolved = 0;                    // taken inserts that had been resolved while queued
  bool rows_changed = false;
  bool rows_deleted = false;  // bounds must be read back from the table
  std::int64_t inserted_max_id = 0;
  std::int64_t inserted_oldest_ms = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_live_id = 0, oldest_ms = 0;  // the table's bounds after the batch
  std::int64_t settled_upto = 0;                // ids up to here are durable or resolved
  std::int64_t trimmed_upto = 0;                // drop_oldest removed rows up to here
  bool counts_changed() const;
};

class QueueImpl final : public OutboxQueue {
 public:
  QueueImpl(std::string remote, const OutboxLimits& limits, Writer& writer);

  // OutboxQueue
  const std::string& remote() const override { return remote_; }
  Accepted enqueue(Message message, bool held) override;
  void count_drop(DropReason reason) override;
  std::vector<OutboxRow> read_after(std::int64_t after_id, std::size_t max, ReadInfo* info = nullptr) override;
  void ack(std::int64_t id) override;
  void dead_letter(std::int64_t id, DeadLetter why) override;
  void count_sent(std::uint64_t count) override;
  void count_batch(std::uint64_t entries, std::uint64_t bytes) override;
  void commit_soon() override;
  void set_listener(QueueListener* listener) override;
  std::int64_t settled_upto() const override;
  OutboxCounters counters() const override;

  void set_limits(const OutboxLimits& limits);

  // ---- Writer side ----
  struct TableState {
    std::uint64_t count = 0;  // rows in the table
    std::uint64_t bytes = 0;
    std::int64_t max_live_id = 0;  // highest id in the table; 0 when empty
    std::int64_t oldest_ms = 0;    // smallest received_at in the table
  };
  OutboxLimits limits() const;
  TableState table_state() const;
  bool has_table() const;
  // The table exists and its state is loaded. On the first load `persisted`
  // holds the counters of earlier runs; ids continue after `last_id`.
  void table_loaded(const std::string& table, TableState state, const OutboxCounters* persisted,
                    std::int64_t last_id);
  // The database was lost (corrupt): every row it held is counted io_error.
  void table_lost();
  // A dead letter marked for retry goes back at the end of the queue (writer
  // thread); false when the writer is stopping.
  bool requeue(Message message, std::int64_t dead_letter_id);
  // The highest id handed out so far.
  std::int64_t last_id() const;
  // A queued insert was resolved before the writer took it (called by the
  // writer under its own lock, so before the batch that takes it).
  void note_early_resolution() { ++early_resolved_; }
  void apply(const QueueDelta& delta);
  // Persisted counters as name/value pairs.
  std::vector<std::pair<std::string, std::uint64_t>> counter_values() const;

  // Called by the writer (holding no queue lock) before it closes or moves the
  // database file: the read connection is closed and reopens on next use.
  void close_reader();

 private:
  std::vector<OutboxRow> select_after(std::int64_t after_id, std::size_t max);
  void notify(const CommitNotice& notice);

  const std::string remote_;
  Writer& writer_;

  mutable std::mutex m_;
  OutboxLimits limits_;
  std::string table_;          // empty until the writer created it
  TableState table_state_;
  std::uint64_t pending_count_ = 0;  // accepted, not yet taken by the writer
  std::uint64_t pending_bytes_ = 0;

  std::int64_t next_id_ = 1;
  std::int64_t settled_upto_ = 0;
  OutboxCounters totals_;  // accepted, stored, sent, acked, dropped, dead_lettered, bytes_written
  std::uint64_t dead_letters_ = 0;

  // Held while the listener runs, so that once set_listener(nullptr) returned
  // no call is in progress.
  std::mutex listener_m_;
  QueueListener* listener_ = nullptr;
  // Pending, but already acknowledged or refused: no longer waiting.
  std::atomic<std::uint64_t> early_resolved_{0};

  std::mutex reader_m_;  // the read connection (the forwarder's, on the event loop)
  sql::Connection reader_;
  sql::Statement read_stmt_;
  std::uint64_t reader_generation_ = 0;
  std::string reader_table_;
};

}  // namespace edgebridge
