#pragma once
// The writer thread's database side: the connection, one QueueTable per queue,
// the checkpointer, and one transaction per batch. Inside a batch: rows of
// acknowledged messages are deleted first, refused ones moved to the dead
// letters, expired rows swept, then new rows inserted (or skipped when already
// resolved), drop_oldest trims to the bounds, and the dead letters are kept
// within theirs. Each queue's in-memory view changes only after COMMIT
// succeeded; then its listener hears which ids are settled.
//
// Writer thread only, except the flags set from other threads
// (request_sweep, report_corruption, mark_counters_dirty) and the getters.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/log_limiter.hpp"
#include "outbox/checkpointer.hpp"
#include "outbox/outbox.hpp"
#include "outbox/queue_table.hpp"
#include "outbox/sqlite.hpp"
#include "outbox/writer.hpp"

namespace edgebridge {

class Committer {
 public:
  // `db` is the open, verified writer connection.
  Committer(OutboxOptions options, sql::Connection db);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  void start();  // the checkpointer
  void stop();   // closes the readers and the database

  void add_queue(QueueImpl& queue);
  void set_max_file_bytes(std::uint64_t bytes);
  // One batch (possibly empty: a tick sweeps, persists counters and picks up
  // dead letters marked for retry).
  void process(std::vector<WriterOp>& batch, bool tick, bool final);

  void request_sweep() { sweep_requested_ = true; }
  void report_corruption() { corruption_reported_ = true; }
  void mark_counters_dirty() { counters_dirty_ = true; }
  void force_persist() { force_persist_ = true; }
  // Something must be done before the next batch is due.
  bool wants_attention() const { return corruption_reported_.load() || sweep_requested_.load(); }

  std::uint64_t generation() const { return generation_.load(); }
  std::string quarantined_path() const;
  void set_quarantined_path(std::string path);

 private:
  using Deltas = std::unordered_map<QueueImpl*, QueueDelta>;
  struct Counts {
    std::size_t inserted = 0, acks = 0, skipped = 0;
    std::chrono::steady_clock::time_point oldest_accepted = std::chrono::steady_clock::time_point::max();
  };

  // One transaction over the batch; throws sql::Error after rolling back.
  void attempt(std::vector<WriterOp>& batch, bool with_inserts, bool sweep, bool persist, Deltas& deltas);
  void apply_resolutions(std::vector<WriterOp>& batch, Deltas& deltas);
  void insert_rows(std::vector<WriterOp>& batch, bool with_inserts, Deltas& deltas);
  bool anything_expired();
  void sweep_expired(Deltas& deltas);
  void bound_dead_letters(Deltas& deltas);
  void persist_counters(Deltas& deltas);
  void apply(Deltas& deltas);
  void count_lost(std::vector<WriterOp>& batch, DropReason reason, Deltas& deltas);
  void requeue_dead_letters();
  static Counts count(const std::vector<WriterOp>& batch);

  // The queue's table, created and loaded on first use; null when that failed
  // (logged). Throws sql::Error only for corruption.
  QueueTable* table_for(QueueImpl& q);
  QueueImpl* queue_by_remote_id(std::int64_t remote_id);
  void recover_from_corruption(const std::string& why);
  bool reopen();
  void prepare_connection();
  void close_statements();
  void apply_file_limit();
  void cap_wal();
  static int wal_hook(void* self, sqlite3* db, const char* name, int pages);

  // The writer checkpoints itself only past this WAL size (~64 MiB of 4 KiB pages).
  static constexpr int kWalCapPages = 16384;

  OutboxOptions options_;
  sql::Connection db_;
  Checkpointer checkpointer_;
  int wal_pages_ = 0;  // WAL size after the last commit
  sql::Statement begin_, commit_, rollback_, dead_count_, dead_trim_;

  std::atomic<std::uint64_t> generation_{1};
  std::atomic<bool> corruption_reported_{false};
  std::atomic<bool> sweep_requested_{false};
  std::atomic<bool> counters_dirty_{false};
  std::atomic<bool> force_persist_{false};

  std::vector<QueueImpl*> queues_;
  std::unordered_map<QueueImpl*, std::unique_ptr<QueueTable>> tables_;
  std::set<QueueImpl*> loaded_once_;
  std::set<std::int64_t> requeued_;  // dead letter ids put back whose insert is not yet committed
  std::chrono::steady_clock::time_point next_reopen_{};
  std::uint64_t max_file_bytes_ = 0;
  std::vector<WriterOp> retry_resolves_;
  LogLimiter full_log_, error_log_;

  mutable std::mutex quarantine_m_;
  std::string quarantined_;
};

}  // namespace edgebridge
