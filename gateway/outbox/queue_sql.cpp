// The writer's per-queue statements and the state it loads when a queue first
// appears (or after a fresh database replaced a corrupt one).
#include <spdlog/spdlog.h>

#include "outbox/queue_impl.hpp"
#include "outbox/schema.hpp"
#include "outbox/writer.hpp"

namespace edgebridge {

Writer::QueueSql* Writer::sql_for(QueueImpl* q) {
  auto it = sql_.find(q);
  return it == sql_.end() ? nullptr : &it->second;
}

bool Writer::ready(QueueImpl& q) {
  if (sql_.count(&q) > 0) return true;
  if (!db_) return false;
  try {
    QueueSql s;
    s.remote_id = outbox_schema::ensure_remote(db_, q.remote());
    outbox_schema::ensure_queue_table(db_, s.remote_id);
    const std::string t = outbox_schema::queue_table(s.remote_id);
    const std::string row_bytes = outbox_schema::kRowBytes;
    s.insert = db_.prepare("INSERT INTO " + t + "(id, topic, payload, qos, retain, received_at) VALUES(?, ?, ?, ?, ?, ?)");
    s.delete_range = db_.prepare("DELETE FROM " + t + " WHERE id BETWEEN ? AND ? RETURNING " + row_bytes);
    s.trim_scan = db_.prepare("SELECT id, " + row_bytes + " FROM " + t + " ORDER BY id");
    s.delete_upto = db_.prepare("DELETE FROM " + t + " WHERE id <= ?");
    s.expire = db_.prepare("DELETE FROM " + t + " WHERE received_at < ? RETURNING " + row_bytes);
    s.max_id = db_.prepare("SELECT max(id) FROM " + t);
    s.min_received = db_.prepare("SELECT min(received_at) FROM " + t);

    sql::Statement totals = db_.prepare("SELECT count(*), coalesce(sum(" + row_bytes + "), 0) FROM " + t);
    totals.step();
    const auto count = static_cast<std::uint64_t>(totals.int64(0));
    const auto bytes = static_cast<std::uint64_t>(totals.int64(1));
    const std::int64_t max_id = s.max_id.step() && !s.max_id.is_null(0) ? s.max_id.int64(0) : 0;
    s.max_id.reset();
    const std::int64_t oldest = s.min_received.step() && !s.min_received.is_null(0) ? s.min_received.int64(0) : 0;
    s.min_received.reset();

    // Persisted counters continue where the last run left them (first load only:
    // after a corrupt file was replaced the in-memory totals are the truth).
    OutboxCounters persisted;
    std::int64_t last_id = 0;
    bool& loaded = counters_loaded_[&q];
    if (!loaded) {
      sql::Statement read = db_.prepare("SELECT name, value FROM counters WHERE remote_id = ?");
      read.bind(1, s.remote_id);
      while (read.step()) {
        const std::string name = read.text(0);
        const auto value = static_cast<std::uint64_t>(read.int64(1));
        if (name == "stored") persisted.stored = value;
        else if (name == "sent") persisted.sent = value;
        else if (name == "acked") persisted.acked = value;
        else if (name == "bytes_written") persisted.bytes_written = value;
        else if (name == "last_id") last_id = static_cast<std::int64_t>(value);
        for (std::size_t i = 0; i < kDropReasons; ++i)
          if (name == to_string(static_cast<DropReason>(i))) persisted.dropped[i] = value;
      }
    }
    // Ids only grow, also across a replaced database and an emptied table.
    std::int64_t& next = next_id_[&q];
    next = std::max({next, max_id + 1, last_id + 1, std::int64_t{1}});

    {
      std::lock_guard<std::mutex> lock(q.m);
      auto& st = q.state;
      st.table = t;
      st.committed_count = count;
      st.committed_bytes = bytes;
      st.max_live_id = max_id;
      st.oldest_ms = oldest;
      if (!loaded) {
        st.totals.stored += persisted.stored;
        st.totals.sent += persisted.sent;
        st.totals.acked += persisted.acked;
        st.totals.bytes_written += persisted.bytes_written;
        for (std::size_t i = 0; i < kDropReasons; ++i) st.totals.dropped[i] += persisted.dropped[i];
      }
    }
    loaded = true;
    sql_.emplace(&q, std::move(s));
    q.rows_cv.notify_all();
    if (count > 0)
      spdlog::info("Outbox has rows waiting from before. remote={} rows={} bytes={}", q.remote(), count, bytes);
    return true;
  } catch (const sql::Error& e) {
    if (e.corrupt()) throw;
    std::uint64_t suppressed = 0;
    if (error_log_.allow(suppressed))
      spdlog::warn("Outbox queue not ready; its messages are dropped until it is. remote={} error=\"{}\"", q.remote(),
                   e.what());
    return false;
  }
}

}  // namespace edgebridge
