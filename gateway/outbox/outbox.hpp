#pragma once
// The durable outbox: the only way to a remote. gateway/outbox/README.md has
// the threads, who owns what, and the invariants in full; in short:
//
//  1. Every message accepted for a remote gets its id at once (ids only grow,
//     per remote) and stays the outbox's until it is resolved: acknowledged by
//     the remote, moved to the dead letters, or dropped under a bound (counted).
//  2. What is not yet resolved is written to SQLite (WAL) by one writer thread
//     in group commits. A message may be resolved before its commit (the remote
//     acknowledged it first): then it is never written at all.
//  3. A message whose source keeps it until the outbox releases it ("held",
//     e.g. the local broker withholding its PUBACK) may wait longer for its
//     commit (commit_delay); others are committed at once (max_batch_delay).
//  4. Per remote, rows are read oldest first (ascending id).
//  5. Bounds (max_messages, max_bytes, ttl) are applied exactly, and every
//     message removed without delivery is counted under one DropReason.
//  6. SQLite errors never end the process: a full disk or an I/O error drops the
//     batch being written (counted), logs at warn and the next batch tries again;
//     a corrupt file is moved aside as outbox.db.corrupt-<time> and a new one starts.

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
  dead_letters_full,  // a dead letter removed to keep the dead letters within max_dead_letters
  count_
};
constexpr std::size_t kDropReasons = static_cast<std::size_t>(DropReason::count_);
const char* to_string(DropReason r);

// Why a message left its queue for the dead letters: the remote refused it for
// good, or it can never be sent.
enum class DeadLetterReason : std::size_t {
  not_authorized,         // MQTT 5 reason 0x87 (e.g. AWS IoT policy, a broker ACL)
  topic_name_invalid,     // 0x90
  too_large,              // over the remote's Maximum Packet Size or max_message_size (never sent), or 0x95
  payload_format_invalid, // 0x99
  refused,                // any other reason code >= 0x80 that is not transient
  closed_connection,      // the remote closed the connection right after it, again and again (MQTT 3.1.1)
  count_
};
constexpr std::size_t kDeadLetterReasons = static_cast<std::size_t>(DeadLetterReason::count_);
const char* to_string(DeadLetterReason r);
// The reason for a refusal with this MQTT 5 reason code (>= 0x80); `refused` for the others.
DeadLetterReason dead_letter_reason(int mqtt_reason_code);

struct DeadLetter {
  DeadLetterReason reason = DeadLetterReason::refused;
  int reason_code = 0;   // the MQTT 5 reason code, 0 when there was none
  int attempts = 0;      // how often it was sent
  std::string detail;    // in words, for the log and the listing
};

struct OutboxCounters {
  std::uint64_t accepted = 0;       // messages taken in
  std::uint64_t stored = 0;         // rows written to the database
  std::uint64_t sent = 0;           // handed to the remote connection, alone or in a batch (incl. resends)
  std::uint64_t acked = 0;          // acknowledged by the remote
  std::array<std::uint64_t, kDropReasons> dropped{};
  std::array<std::uint64_t, kDeadLetterReasons> dead_lettered{};
  std::uint64_t depth = 0;          // messages waiting: accepted and not resolved
  std::uint64_t depth_bytes = 0;    // topic + payload bytes of those
  std::int64_t oldest_age_ms = 0;   // age of the oldest waiting message; 0 when none
  std::uint64_t bytes_written = 0;  // topic + payload bytes of the rows written
  std::uint64_t pending = 0;        // waiting and not yet committed (in memory only)
  std::uint64_t dead_letters = 0;   // rows in the dead letters now
  // Batches (docs/batching.md): publishes that carried several messages, the
  // messages in them and their payload bytes (resends included).
  std::uint64_t batches_sent = 0;
  std::uint64_t batch_entries = 0;
  std::uint64_t batch_bytes = 0;
};

struct OutboxRow {
  std::int64_t id = 0;
  Message message;  // received_at restored from the row
};

// What one commit resolved for one queue; delivered to its QueueListener on
// the writer thread.
struct CommitNotice {
  // Every id up to this one is durable (in the table) or resolved (acked,
  // dead-lettered, or dropped and counted). Only grows.
  std::int64_t settled_upto = 0;
  // drop_oldest removed every row up to this id (0: none this time).
  std::int64_t trimmed_upto = 0;
};

class QueueListener {
 public:
  virtual ~QueueListener() = default;
  // On the writer thread, after a commit; keep it short (post elsewhere).
  virtual void committed(const CommitNotice& notice) = 0;
};

// What one committed batch held; for metrics and measurements.
struct OutboxCommitReport {
  std::size_t messages = 0;  // rows inserted
  std::size_t acks = 0;      // rows deleted after an acknowledgement
  std::size_t skipped = 0;   // messages resolved before they were written: never written
  std::chrono::steady_clock::duration duration{};  // BEGIN to COMMIT returned
  std::chrono::steady_clock::time_point committed_at{};
  std::chrono::steady_clock::time_point oldest_accepted{};  // enqueue of the batch's first message
};

struct Accepted {
  Delivery delivery = Delivery::ok;
  std::int64_t id = 0;  // 0 unless delivery == ok
};

class OutboxQueue {
 public:
  virtual ~OutboxQueue() = default;
  virtual const std::string& remote() const = 0;
  // Thread-safe; never blocks. Accepts the message with its id. `held`: the
  // source keeps the message until the outbox releases it, so its commit may
  // wait commit_delay. Under drop_newest a full queue refuses it:
  // Delivery::error, counted. While stopping: Delivery::retry.
  virtual Accepted enqueue(Message message, bool held) = 0;
  // Counts a message the caller dropped on purpose (e.g. qos0_offline).
  virtual void count_drop(DropReason reason) = 0;
  // Committed rows with id > after_id, oldest first, at most `max` looked at.
  // Rows older than the ttl are left out (the writer deletes and counts them).
  // `info`, when given, says how far the read looked and whether it found
  // fewer rows than `max` (then every committed row after after_id was seen).
  struct ReadInfo {
    std::int64_t scanned_upto = 0;
    bool exhausted = false;
  };
  virtual std::vector<OutboxRow> read_after(std::int64_t after_id, std::size_t max, ReadInfo* info = nullptr) = 0;
  // The remote acknowledged message `id`: its row is deleted, or, when it was
  // not yet written, it never is.
  virtual void ack(std::int64_t id) = 0;
  // The remote refused message `id` for good: it moves to the dead letters.
  virtual void dead_letter(std::int64_t id, DeadLetter why) = 0;
  // The forwarder handed `count` messages to the connection.
  virtual void count_sent(std::uint64_t count) = 0;
  // ...of which `entries` in one batch of `bytes` payload bytes.
  virtual void count_batch(std::uint64_t entries, std::uint64_t bytes) = 0;
  // Commit what is pending now instead of after commit_delay.
  virtual void commit_soon() = 0;
  // Receives a notice after each commit that settled ids of this queue. Set
  // before messages flow; nullptr to stop.
  virtual void set_listener(QueueListener* listener) = 0;
  // The highest id settled so far (see CommitNotice::settled_upto).
  virtual std::int64_t settled_upto() const = 0;
  virtual OutboxCounters counters() const = 0;
};

using SystemClockFn = std::function<std::chrono::system_clock::time_point()>;

struct OutboxOptions {
  std::string path;  // <state_dir>/outbox.db
  Durability durability = Durability::normal;
  // Under load the writer starts at most one commit per max_batch_delay:
  // messages that arrive sooner after the previous commit started wait and are
  // committed together; a message after a quiet spell is committed at once.
  std::chrono::microseconds max_batch_delay{500};
  // Held messages (see enqueue) wait up to this long for their commit: most
  // are acknowledged by the remote by then and are never written.
  std::chrono::milliseconds commit_delay{10};
  // Acknowledgements alone (the rows to delete after a PUBACK) wait up to this
  // long for company: a crash inside it only sends those messages again.
  std::chrono::milliseconds ack_delay{20};
  std::size_t max_batch = 4096;
  // Messages accepted but not yet taken by the writer may hold at most this
  // many bytes of memory before the store reports pressure (see
  // OutboxStore::under_pressure); the caller then stops taking input.
  std::size_t max_pending_bytes = 16u << 20;
  // Dead letters kept per database; beyond it the oldest go (counted).
  std::uint64_t max_dead_letters = 10'000;
  SystemClockFn clock = [] { return std::chrono::system_clock::now(); };
  // Called on the writer thread after every committed batch; keep it short.
  std::function<void(const OutboxCommitReport&)> on_commit;
  // Called on the writer thread when pressure ends (see max_pending_bytes).
  std::function<void()> on_relief;
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
  // True while accepted-but-untaken messages exceed max_pending_bytes.
  bool under_pressure() const;
  // Commit what is pending now instead of after commit_delay.
  void commit_soon();
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
  std::uint64_t dead_letters = 0;
  std::vector<std::pair<std::string, std::uint64_t>> counters;  // persisted counters by name
};
std::vector<OutboxQueueStats> read_outbox_stats(const std::string& path);

}  // namespace edgebridge
