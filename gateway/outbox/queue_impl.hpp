#pragma once
// One remote's FIFO as seen from outside the writer: admission (exact bounds
// for drop_newest), the in-memory view of its table that the writer keeps up to
// date after every commit, and the forwarder's read connection.

#include <condition_variable>
#include <mutex>
#include <string>
#include <unordered_map>

#include "outbox/outbox.hpp"
#include "outbox/sqlite.hpp"

namespace edgebridge {

class Writer;

class QueueImpl final : public OutboxQueue {
 public:
  QueueImpl(std::string remote, const OutboxLimits& limits, Writer& writer);

  const std::string& remote() const override { return remote_; }
  Delivery enqueue(Message message) override;
  void count_drop(DropReason reason) override;
  std::vector<OutboxRow> read_after(std::int64_t after_id, std::size_t max) override;
  bool wait_for_rows(std::int64_t after_id, std::chrono::milliseconds timeout) override;
  void wake() override;
  void ack(std::int64_t id) override;
  void count_sent(std::uint64_t count) override;
  OutboxCounters counters() const override;

  void set_limits(const OutboxLimits& limits);

  // The writer's view. Every field is guarded by `m`; only the writer thread
  // changes committed_*, max_live_id, oldest_ms and table.
  struct State {
    OutboxLimits limits;
    std::string table;                  // empty until the writer created it
    std::uint64_t committed_count = 0;  // rows in the table
    std::uint64_t committed_bytes = 0;
    std::uint64_t pending_count = 0;    // accepted, not yet committed
    std::uint64_t pending_bytes = 0;
    std::int64_t max_live_id = 0;       // highest id in the table; 0 when empty
    std::int64_t oldest_ms = 0;         // smallest received_at in the table
    // Acked ids -> the commit that deleted the row (0: not yet). A read whose
    // snapshot may predate that commit still skips the row; entries go once a
    // read started after the delete.
    std::unordered_map<std::int64_t, std::uint64_t> acked;
    std::uint64_t commits = 0;          // batches committed that touched this queue
    OutboxCounters totals;              // stored, sent, acked, dropped, bytes_written
    bool woken = false;
  };
  mutable std::mutex m;
  std::condition_variable rows_cv;  // notified after commits and by wake()
  State state;

  // Called by the writer (holding no queue lock) before it closes or moves the
  // database file: the read connection is closed and reopens on next use.
  void close_reader();

 private:
  std::vector<OutboxRow> select_after(std::int64_t after_id, std::size_t max);

  const std::string remote_;
  Writer& writer_;

  std::mutex reader_m_;  // the forwarder's read connection
  sql::Connection reader_;
  sql::Statement read_stmt_;
  std::uint64_t reader_generation_ = 0;
  std::string reader_table_;
};

}  // namespace edgebridge
