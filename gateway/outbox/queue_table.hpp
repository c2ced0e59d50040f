#pragma once
// One queue's table and the statements the writer runs on it, prepared once
// (writer thread only). Every method runs inside the Committer's transaction
// and adds what it changed to a QueueDelta.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "outbox/queue_impl.hpp"
#include "outbox/sqlite.hpp"

namespace edgebridge {

class QueueTable {
 public:
  // Creates the table when missing and prepares the statements. Throws sql::Error.
  QueueTable(sql::Connection& db, QueueImpl& queue);

  std::int64_t remote_id() const { return remote_id_; }
  const std::string& name() const { return name_; }

  // The table's state and the counters persisted by earlier runs (for QueueImpl::table_loaded).
  QueueImpl::TableState load_state();
  OutboxCounters load_counters(std::int64_t& last_id);

  void insert(std::int64_t id, const Message& m, std::size_t bytes, QueueDelta& d);
  // Deletes the rows of `ids` (sorted, unique) that are still there.
  void delete_acked(const std::vector<std::int64_t>& ids, QueueDelta& d);
  // Moves row `id` (if still there) to the dead letters.
  void move_to_dead_letters(std::int64_t id, const DeadLetter& why, std::int64_t now_ms, QueueDelta& d);
  // Writes a message that was never stored straight to the dead letters.
  void insert_dead_letter(const Message& m, const DeadLetter& why, std::int64_t now_ms, QueueDelta& d);
  void expire(std::int64_t cutoff_ms, QueueDelta& d);
  // Applies drop_oldest to `limits`, given the committed state plus `d`.
  void trim_oldest(const OutboxLimits& limits, const QueueImpl::TableState& committed, QueueDelta& d);
  // The dead letters of this remote that the command line marked for retry:
  // (dead letter id, message), oldest first.
  std::vector<std::pair<std::int64_t, Message>> dead_letters_to_retry();
  // A retried dead letter was put back into the queue: its dead letter goes.
  void delete_dead_letter(std::int64_t dead_id, QueueDelta& d);
  // d.max_live_id and d.oldest_ms after the batch.
  void refresh_bounds(const QueueImpl::TableState& committed, QueueDelta& d);
  void persist_counters(const std::vector<std::pair<std::string, std::uint64_t>>& values);
  // The transaction was rolled back: the batch_streams rows it added are gone.
  void forget_streams() { streams_.clear(); }

 private:
  // The batch_streams id of `spec`'s stream, added when missing (inside the
  // batch's transaction, so it commits with the first row that uses it).
  std::int64_t stream_id(const BatchSpec& spec);
  // Binds `m`'s stream (or NULL) to parameter `index` of `s`.
  void bind_stream(sql::Statement& s, int index, const Message& m);

  sql::Connection& db_;
  std::int64_t remote_id_ = 0;
  std::string name_;
  sql::Statement insert_, delete_range_, trim_scan_, delete_upto_, expire_, max_id_, min_received_;
  sql::Statement to_dead_, delete_one_, insert_dead_, retry_scan_, retry_delete_, upsert_counter_;
  sql::Statement stream_insert_, stream_select_;
  std::map<std::pair<std::string, std::string>, std::int64_t> streams_;  // (topic, format) -> batch_streams id
};

}  // namespace edgebridge
