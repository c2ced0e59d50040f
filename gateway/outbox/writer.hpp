#pragma once
// The outbox's one writer thread. Enqueues and acks from any thread land in
// one FIFO of operations; the thread takes everything that arrived (up to
// max_batch) and commits it in one transaction: group commit. When idle it
// commits the first message at once; while messages keep coming it commits at
// most once per max_batch_delay, and acknowledgements alone wait up to
// ack_delay. Once a second it also sweeps expired rows and persists the
// counters.
//
// Inside a batch: acks are deleted first, then expired rows, then new rows are
// inserted and drop_oldest trims the oldest rows to the bounds; the in-memory
// view of each queue changes only after COMMIT succeeded.

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "outbox/checkpointer.hpp"
#include "outbox/log_limiter.hpp"
#include "outbox/outbox.hpp"
#include "outbox/sqlite.hpp"

namespace edgebridge {

class QueueImpl;

class Writer {
 public:
  // `db` is the open, verified writer connection.
  Writer(OutboxOptions options, sql::Connection db);
  ~Writer();  // stop()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void start();
  // Commits everything accepted so far, persists the counters, joins the thread
  // and closes the database.
  void stop();

  // Any thread. False once stopping (the message was not accepted).
  bool insert(QueueImpl& queue, Message message, std::size_t bytes);
  void ack(QueueImpl& queue, std::int64_t id);
  // Registers a queue and returns once its table exists and its state is loaded
  // (or the attempt failed; later batches try again).
  void add_queue(QueueImpl& queue);
  void request_sweep();
  void report_corruption();
  void mark_counters_dirty() { counters_dirty_ = true; }
  void set_max_file_bytes(std::uint64_t bytes);
  void flush();

  const std::string& path() const { return options_.path; }
  std::uint64_t generation() const { return generation_.load(); }
  std::chrono::system_clock::time_point now() const { return options_.clock(); }
  std::string quarantined_path() const;
  void set_quarantined_path(std::string path);

 private:
  struct Op {
    enum class Kind { insert, ack, task };
    Kind kind = Kind::insert;
    QueueImpl* queue = nullptr;
    std::int64_t id = 0;
    Message message;
    std::size_t bytes = 0;
    std::chrono::steady_clock::time_point accepted{};
    std::function<void()> task;
  };

  // Prepared statements of one queue's table (writer thread only).
  struct QueueSql {
    std::int64_t remote_id = 0;
    sql::Statement insert, delete_range, trim_scan, delete_upto, expire, max_id, min_received;
  };

  // What a batch changes in one queue, applied to its State after COMMIT.
  struct Delta {
    std::int64_t count = 0;
    std::int64_t bytes = 0;
    std::uint64_t stored = 0, acked = 0, bytes_written = 0;
    std::array<std::uint64_t, kDropReasons> dropped{};
    std::uint64_t pending_count = 0, pending_bytes = 0;  // inserts this batch took
    std::vector<std::int64_t> acks;                       // ids whose ack was applied
    bool rows_changed = false;
    bool rows_deleted = false;  // bounds must be read back from the table
    std::int64_t inserted_max_id = 0;
    std::int64_t inserted_oldest_ms = std::numeric_limits<std::int64_t>::max();
    std::int64_t max_live_id = 0, oldest_ms = 0;
  };
  using Deltas = std::unordered_map<QueueImpl*, Delta>;

  void run();
  bool push(Op op);
  // When what is queued must be committed (max() when nothing is). Under m_.
  std::chrono::steady_clock::time_point due_locked() const;
  void process(std::vector<Op>& batch, bool tick, bool final);
  // One transaction over the batch; throws sql::Error after rolling back.
  void attempt(std::vector<Op>& batch, bool with_inserts, bool sweep, bool persist, Deltas& deltas);
  void apply_acks(std::vector<Op>& batch, Deltas& deltas);
  bool anything_expired();
  void sweep_expired(Deltas& deltas);
  void insert_rows(std::vector<Op>& batch, Deltas& deltas);
  void trim_oldest(QueueImpl& q, QueueSql& s, Delta& d);
  void refresh_bounds(Deltas& deltas);
  void persist_counters(Deltas& deltas);
  void commit_deltas(Deltas& deltas);
  void count_lost(std::vector<Op>& batch, DropReason reason, Deltas& deltas);

  // Creates the queue's table and statements and loads its state; false when
  // that failed (logged). Throws sql::Error only for corruption.
  bool ready(QueueImpl& q);
  QueueSql* sql_for(QueueImpl* q);
  void recover_from_corruption(const std::string& why);
  bool reopen();
  void prepare_connection();
  void apply_file_limit();
  void cap_wal();
  static int wal_hook(void* self, sqlite3* db, const char* name, int pages);

  // The writer checkpoints itself only past this WAL size (~64 MiB of 4 KiB pages).
  static constexpr int kWalCapPages = 16384;

  OutboxOptions options_;
  sql::Connection db_;
  Checkpointer checkpointer_;
  int wal_pages_ = 0;  // writer thread: WAL size after the last commit
  sql::Statement begin_, commit_, rollback_, upsert_counter_;

  std::mutex m_;
  std::condition_variable work_cv_, done_cv_;
  std::condition_variable space_cv_;  // insert() waits here while pending_insert_bytes_ is over the bound
  std::size_t pending_insert_bytes_ = 0;  // bytes of the inserts in ops_
  std::deque<Op> ops_;
  std::size_t inserts_queued_ = 0, acks_queued_ = 0, tasks_queued_ = 0;  // in ops_
  std::chrono::steady_clock::time_point first_ack_queued_{};  // while acks_queued_ > 0
  std::chrono::steady_clock::time_point last_batch_{};        // when the last batch with messages was taken
  std::uint64_t submitted_ = 0, processed_ = 0;
  bool stopping_ = false;
  bool running_ = false;
  std::thread thread_;

  std::atomic<std::uint64_t> generation_{1};
  std::atomic<bool> corruption_reported_{false};
  std::atomic<bool> sweep_requested_{false};
  std::atomic<bool> counters_dirty_{false};

  // Writer thread only.
  std::vector<QueueImpl*> queues_;
  std::unordered_map<QueueImpl*, QueueSql> sql_;
  std::unordered_map<QueueImpl*, std::int64_t> next_id_;
  std::unordered_map<QueueImpl*, bool> counters_loaded_;
  std::chrono::steady_clock::time_point next_reopen_{};
  std::uint64_t max_file_bytes_ = 0;
  bool force_persist_ = false;
  std::vector<Op> retry_acks_;
  LogLimiter full_log_, error_log_;

  mutable std::mutex quarantine_m_;
  std::string quarantined_;
};

}  // namespace edgebridge
