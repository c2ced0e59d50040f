#pragma once
// The durable outbox: the only way to a remote.
//
// Invariants this module keeps:
//  1. A message is committed to SQLite before it is handed to the forwarder, and
//     its row is deleted only after the remote acknowledged it (PUBACK for QoS 1,
//     written to the socket for QoS 0).
//  2. Per remote, rows are read oldest first (ascending id); ids only grow.
//  3. Bounds (max_messages, max_bytes, ttl) are applied exactly, and every
//     message removed without delivery is counted under one DropReason.
//  4. SQLite errors never end the process: a full disk or an I/O error drops the
//     batch being written (counted), logs at warn and the next batch tries again;
//     a corrupt file is moved aside as outbox.db.corrupt-<time> and a new one starts.
//
// One OutboxStore (one database file, WAL) holds one FIFO per remote. Writes from
// every thread are gathered by one writer thread and committed in one
// transaction per batch (group commit), so throughput does not pay a sync per
// message and the ingest window (received but not yet committed) stays short.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/delivery.hpp"
#include "core/message.hpp"

namespace edgebridge {

enum class DropReason : std::size_t {
  overflow_oldest,  // removed to make room under overflow: drop_oldest
  overflow_newest,  // refused under overflow: drop_newest
  ttl_expired,      // older than the remote's outbox ttl
  qos0_offline,     // QoS 0 while the remote was down and store_qos0 is false
  disk_full,        // SQLite reported SQLITE_FULL
  io_error,         // any other SQLite error on write
  count_
};
constexpr std::size_t kDropReasons = static_cast<std::size_t>(DropReason::count_);
const char* to_string(DropReason r);

struct OutboxCounters {
  std::uint64_t stored = 0;         // committed rows
  std::uint64_t sent = 0;           // handed to the remote connection (incl. resends)
  std::uint64_t acked = 0;          // acknowledged and deleted
  std::array<std::uint64_t, kDropReasons> dropped{};
  std::uint64_t depth = 0;          // rows waiting (committed, not acked)
  std::uint64_t depth_bytes = 0;    // topic + payload bytes of those rows
  std::int64_t oldest_age_ms = 0;   // age of the oldest waiting row; 0 when empty
  std::uint64_t bytes_written = 0;  // topic + payload bytes committed
  std::uint64_t pending = 0;        // accepted, not yet committed (the ingest window)
};

struct OutboxRow {
  std::int64_t id = 0;
  Message message;  // received_at restored from the row
};

using WallClock = std::function<std::chrono::system_clock::time_point()>;

// What one committed batch held; for metrics and measurements.
struct OutboxCommitReport {
  std::size_t messages = 0;  // rows inserted
  std::size_t acks = 0;      // acks applied
  std::chrono::steady_clock::duration duration{};  // BEGIN to COMMIT returned
  std::chrono::steady_clock::time_point committed_at{};
  std::chrono::steady_clock::time_point oldest_accepted{};  // enqueue of the batch's first message
};

class OutboxQueue {
 public:
  virtual ~OutboxQueue() = default;
  virtual const std::string& remote() const = 0;
  // Thread-safe. Accepts the message into the writer's next batch and returns at
  // once. Under drop_newest a full queue refuses it: Delivery::error, counted.
  virtual Delivery enqueue(Message message) = 0;
  // Counts a message the caller dropped on purpose (e.g. qos0_offline).
  virtual void count_drop(DropReason reason) = 0;
  // Committed rows with id > after_id, oldest first, at most `max`. Rows older
  // than the ttl are deleted and counted instead of returned.
  virtual std::vector<OutboxRow> read_after(std::int64_t after_id, std::size_t max) = 0;
  // Blocks until a committed row with id > after_id exists, or `timeout` passes,
  // or wake() is called. Returns true if such a row exists.
  virtual bool wait_for_rows(std::int64_t after_id, std::chrono::milliseconds timeout) = 0;
  virtual void wake() = 0;
  // The row was delivered; it is deleted in the writer's next batch.
  virtual void ack(std::int64_t id) = 0;
  // The forwarder handed `count` rows to the connection.
  virtual void count_sent(std::uint64_t count) = 0;
  virtual OutboxCounters counters() const = 0;
};

struct OutboxOptions {
  std::string path;  // <state_dir>/outbox.db
  Durability durability = Durability::normal;
  // Under load the writer starts at most one commit per max_batch_delay:
  // messages that arrive sooner after the previous commit started wait and are
  // committed together; a message after a quiet spell (or at up to
  // 1/max_batch_delay messages per second) is committed at once. Without it a
  // busy writer commits one or two messages at a time, and each commit costs
  // the same WAL writes and file locks whatever it holds (measured with
  // tests/bench/bridge_bench: 120 us of CPU per message at 6,000 msg/s on a
  // loaded 2-core machine, 65 us with batches). The ingest window grows by at
  // most this much: ten kill -9 at ~1,650 msg/s lose 4-9 messages instead of
  // 0-2 (0-1 at 200 us, which writes 1.5 times as many bytes per message).
  std::chrono::microseconds max_batch_delay{500};
  // Acknowledgements alone (the rows to delete after a PUBACK) wait up to this
  // long for company: a crash inside it only sends those messages again.
  std::chrono::milliseconds ack_delay{20};
  std::size_t max_batch = 4096;
  // Messages handed to the outbox but not yet taken by the writer may hold at
  // most this many bytes of memory; beyond it, adding one waits until the
  // writer has taken a batch (the local broker keeps the rest in edgebridge's
  // persistent session meanwhile). Bounds RAM under bursts of large messages.
  std::size_t max_pending_bytes = 16u << 20;
  WallClock clock = [] { return std::chrono::system_clock::now(); };
  // Called on the writer thread after every committed batch; keep it short.
  std::function<void(const OutboxCommitReport&)> on_commit;
};

class OutboxStore {
 public:
  // Opens or creates the database (quarantining a corrupt one). Throws
  // std::runtime_error only when no database can be created at all (e.g. the
  // state directory is not writable).
  explicit OutboxStore(OutboxOptions options);
  ~OutboxStore();  // commits what is pending
  OutboxStore(const OutboxStore&) = delete;
  OutboxStore& operator=(const OutboxStore&) = delete;

  // The FIFO for `remote`, created on first use. The reference stays valid for
  // the store's lifetime; calling again with new limits updates them (reload).
  OutboxQueue& queue(const std::string& remote, const OutboxLimits& limits);
  // Commits everything accepted so far; returns when it is on disk.
  void flush();
  // Path of the file moved aside at open, if the database was corrupt; else empty.
  // After a corruption found while running, the path of that file instead.
  std::string quarantined_path() const;
  // Caps the database file (PRAGMA max_page_count): writes that need more room
  // fail like a full disk (SQLITE_FULL, counted disk_full). 0 = no cap. Cannot
  // shrink below the file's current size. Returns once applied.
  void set_max_file_bytes(std::uint64_t bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Read-only view for `edgebridge outbox stats`, safe while the gateway runs.
struct OutboxQueueStats {
  std::string remote;
  std::uint64_t depth = 0;
  std::uint64_t depth_bytes = 0;
  std::int64_t oldest_age_ms = 0;
  std::vector<std::pair<std::string, std::uint64_t>> counters;  // persisted counters by name
};
std::vector<OutboxQueueStats> read_outbox_stats(const std::string& path);

}  // namespace edgebridge
