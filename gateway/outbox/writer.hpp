#pragma once
// The outbox's one writer thread: every thread's inserts, acknowledgements and
// dead letters land in one FIFO of operations; the thread takes what is due
// and hands it to the Committer, which writes it in one transaction (group
// commit).
//
// When a batch is due:
//  - an insert of a message that nobody upstream keeps: at once when idle, and
//    at most once per max_batch_delay while messages keep coming;
//  - an insert of a held message: commit_delay after it was accepted, or at
//    once after commit_soon(), or when the pending bytes reach the bound;
//  - acknowledgements alone: ack_delay after the first.
// A message resolved (acknowledged, dead-lettered) while its insert is still
// in the FIFO is resolved there: its row is never written (or is written
// straight to the dead letters).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "outbox/outbox.hpp"

namespace edgebridge {

class QueueImpl;
class Committer;

// How a message left, or is to leave, its queue.
struct Resolution {
  enum class Kind { none, acked, dead };
  Kind kind = Kind::none;
  DeadLetter dead;
};

// One operation for the writer.
struct WriterOp {
  enum class Kind { insert, resolve, task };
  Kind kind = Kind::insert;
  QueueImpl* queue = nullptr;
  std::int64_t id = 0;
  Message message;   // insert
  std::size_t bytes = 0;
  bool held = false;
  std::chrono::steady_clock::time_point accepted{};
  Resolution resolution;  // resolve; for an insert, set when it was resolved before it was taken
  std::int64_t dead_letter_id = 0;  // insert of a dead letter put back: its dead letter goes in the same commit
  std::function<void()> task;
};

class Writer {
 public:
  Writer(OutboxOptions options, std::unique_ptr<Committer> committer);
  ~Writer();  // stop()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void start();
  // Commits everything accepted so far, persists the counters, joins the thread
  // and closes the database.
  void stop();

  // Any thread; never blocks on the writer. False once stopping.
  bool insert(QueueImpl& queue, std::int64_t id, Message message, std::size_t bytes, bool held,
              std::int64_t dead_letter_id = 0);
  // True when the message's insert was still queued (it is resolved there).
  bool resolve(QueueImpl& queue, std::int64_t id, Resolution resolution);
  void commit_soon();
  // Registers a queue and returns once its table exists and its state is loaded
  // (or the attempt failed; later batches try again).
  void add_queue(QueueImpl& queue);
  void request_sweep();
  void report_corruption();
  void mark_counters_dirty();
  void set_max_file_bytes(std::uint64_t bytes);
  void flush();
  bool under_pressure() const;

  const std::string& path() const { return options_.path; }
  std::uint64_t generation() const;
  std::chrono::system_clock::time_point now() const { return options_.clock(); }
  std::string quarantined_path() const;

 private:
  // Per queue, under m_: the highest id taken into a batch so far, and the
  // resolutions of messages whose insert is still queued.
  struct Intake {
    std::int64_t taken_upto = 0;
    std::unordered_map<std::int64_t, Resolution> early;
  };

  void run();
  bool push(WriterOp op);
  // When the queued inserts, and the other operations, must be committed
  // (max() when never). Under m_.
  std::chrono::steady_clock::time_point inserts_due_locked() const;
  std::chrono::steady_clock::time_point others_due_locked() const;
  // Moves what is due into `batch` (the inserts only when they are due: an
  // acknowledgement never drags held inserts into a commit). Under m_.
  void take_locked(std::vector<WriterOp>& batch, std::chrono::steady_clock::time_point now);

  OutboxOptions options_;
  std::unique_ptr<Committer> committer_;

  mutable std::mutex m_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<WriterOp> inserts_;  // in id order per queue: always taken as a prefix
  std::deque<WriterOp> others_;   // resolutions and tasks
  std::unordered_map<QueueImpl*, Intake> intake_;
  std::size_t pending_insert_bytes_ = 0;  // bytes of the queued inserts
  bool pressure_ = false;                 // pending_insert_bytes_ went over the bound
  std::size_t eager_inserts_ = 0, held_inserts_ = 0, resolves_ = 0, tasks_ = 0;  // queued
  std::chrono::steady_clock::time_point first_held_{};     // accepted time of the oldest queued held insert
  std::chrono::steady_clock::time_point first_resolve_{};  // while resolves_ > 0
  std::chrono::steady_clock::time_point last_batch_{};     // when the last batch with inserts was taken
  bool commit_soon_ = false;
  std::uint64_t submitted_ = 0, processed_ = 0;
  bool stopping_ = false;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace edgebridge
