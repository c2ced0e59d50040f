// The writer's batch: one transaction over everything the writer took.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "outbox/queue_impl.hpp"
#include "outbox/schema.hpp"
#include "outbox/writer.hpp"

namespace edgebridge {

namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

constexpr std::size_t idx(DropReason r) { return static_cast<std::size_t>(r); }

}  // namespace

void Writer::process(std::vector<Op>& batch, bool tick, bool final) {
  for (Op& op : batch)
    if (op.kind == Op::Kind::task) op.task();

  if (corruption_reported_.exchange(false) && db_) {
    // Check what is on disk, not what the writer has cached.
    std::string result;
    try {
      sql::Connection check = outbox_schema::open_reader(options_.path);
      result = check.query_text("PRAGMA quick_check(1)");
    } catch (const sql::Error& e) {
      result = e.what();
    }
    if (result != "ok") recover_from_corruption("a reader found damage: " + result);
  }
  if (!db_ && std::chrono::steady_clock::now() >= next_reopen_) reopen();

  try {
    for (QueueImpl* q : queues_) ready(*q);
  } catch (const sql::Error& e) {
    recover_from_corruption(e.what());
  }

  if (!retry_acks_.empty()) {
    for (Op& op : retry_acks_) batch.push_back(std::move(op));
    retry_acks_.clear();
  }
  bool has_rows = false;
  std::size_t messages = 0, acks = 0;
  auto oldest_accepted = std::chrono::steady_clock::time_point::max();
  for (const Op& op : batch) {
    if (op.kind == Op::Kind::insert) {
      ++messages;
      oldest_accepted = std::min(oldest_accepted, op.accepted);
    }
    if (op.kind == Op::Kind::ack) ++acks;
  }
  has_rows = messages + acks > 0;
  const bool sweep = (sweep_requested_.exchange(false) || tick) && anything_expired();
  const bool persist = final || std::exchange(force_persist_, false) || (tick && counters_dirty_.load());
  if (!has_rows && !sweep && !persist) return;

  if (!db_) {
    Deltas lost;
    count_lost(batch, DropReason::io_error, lost);
    commit_deltas(lost);
    return;
  }

  const auto started = std::chrono::steady_clock::now();
  Deltas deltas;
  sql::Error failure(SQLITE_OK, "");
  try {
    attempt(batch, true, sweep, persist, deltas);
    commit_deltas(deltas);
    if (persist) counters_dirty_ = false;
    if (options_.on_commit && has_rows) {
      OutboxCommitReport report;
      report.messages = messages;
      report.acks = acks;
      report.committed_at = std::chrono::steady_clock::now();
      report.duration = report.committed_at - started;
      report.oldest_accepted = messages > 0 ? oldest_accepted : report.committed_at;
      options_.on_commit(report);
    }
    cap_wal();
    return;
  } catch (const sql::Error& e) {
    failure = e;
  }

  if (failure.corrupt()) {
    recover_from_corruption(failure.what());
    try {
      for (QueueImpl* q : queues_) ready(*q);
      deltas.clear();
      attempt(batch, true, sweep, persist, deltas);
      commit_deltas(deltas);
      if (persist) counters_dirty_ = false;
      return;
    } catch (const sql::Error& e) {
      failure = e;
    }
  }

  // The new messages of this batch are lost: count them, then commit what can
  // still be committed (acks, expiry, counters) without them.
  const DropReason reason = failure.full() ? DropReason::disk_full : DropReason::io_error;
  std::uint64_t suppressed = 0;
  LogLimiter& limiter = failure.full() ? full_log_ : error_log_;
  if (limiter.allow(suppressed))
    spdlog::warn("Outbox write failed; the batch's new messages are dropped. path={} messages={} reason={} "
                 "error=\"{}\" suppressed={}",
                 options_.path, messages, to_string(reason), failure.what(), suppressed);
  Deltas lost;
  count_lost(batch, reason, lost);
  commit_deltas(lost);
  try {
    Deltas rest;
    attempt(batch, false, sweep, true, rest);
    commit_deltas(rest);
    counters_dirty_ = false;
  } catch (const sql::Error&) {
    // Keep the acks for the next batch; a delete needs no new pages, so it
    // usually goes through once the writer can write at all.
    for (Op& op : batch)
      if (op.kind == Op::Kind::ack) retry_acks_.push_back(std::move(op));
  }
}

void Writer::attempt(std::vector<Op>& batch, bool with_inserts, bool sweep, bool persist, Deltas& deltas) {
  if (!db_) throw sql::Error(SQLITE_CANTOPEN, "the outbox database is not open");
  try {
    begin_.run();
    begin_.reset();
    apply_acks(batch, deltas);
    if (sweep) sweep_expired(deltas);
    if (with_inserts) insert_rows(batch, deltas);
    refresh_bounds(deltas);
    if (persist) persist_counters(deltas);
    commit_.run();
    commit_.reset();
  } catch (const sql::Error&) {
    begin_.reset();
    commit_.reset();
    if (db_ && sqlite3_get_autocommit(db_.get()) == 0) {
      try {
        rollback_.run();
      } catch (const sql::Error&) {
      }
      rollback_.reset();
    }
    deltas.clear();
    throw;
  }
}

void Writer::apply_acks(std::vector<Op>& batch, Deltas& deltas) {
  // PUBACKs come back in about the order the rows were sent: delete each run of
  // consecutive ids with one statement instead of one statement per row.
  std::unordered_map<QueueImpl*, std::vector<std::int64_t>> acked;
  for (const Op& op : batch) {
    if (op.kind != Op::Kind::ack) continue;
    deltas[op.queue].acks.push_back(op.id);
    acked[op.queue].push_back(op.id);
  }
  for (auto& [queue, ids] : acked) {
    QueueSql* s = sql_for(queue);
    if (s == nullptr) continue;
    Delta& d = deltas[queue];
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (std::size_t first = 0; first < ids.size();) {
      std::size_t last = first;
      while (last + 1 < ids.size() && ids[last + 1] == ids[last] + 1) ++last;
      sql::ResetGuard guard(s->delete_range);
      s->delete_range.bind(1, ids[first]);
      s->delete_range.bind(2, ids[last]);
      while (s->delete_range.step()) {  // the rows still there (not expired or trimmed meanwhile)
        d.count -= 1;
        d.bytes -= s->delete_range.int64(0);
        d.acked += 1;
        d.rows_changed = true;
        d.rows_deleted = true;
      }
      first = last + 1;
    }
  }
}

bool Writer::anything_expired() {
  const std::int64_t now_ms = to_ms(options_.clock());
  for (QueueImpl* q : queues_) {
    std::lock_guard<std::mutex> lock(q->m);
    const std::int64_t ttl = q->state.limits.ttl.count();
    if (ttl > 0 && q->state.committed_count > 0 && q->state.oldest_ms < now_ms - ttl) return true;
  }
  return false;
}

void Writer::sweep_expired(Deltas& deltas) {
  const std::int64_t now_ms = to_ms(options_.clock());
  for (QueueImpl* q : queues_) {
    QueueSql* s = sql_for(q);
    if (s == nullptr) continue;
    std::int64_t ttl = 0, oldest = 0;
    std::uint64_t count = 0;
    {
      std::lock_guard<std::mutex> lock(q->m);
      ttl = q->state.limits.ttl.count();
      oldest = q->state.oldest_ms;
      count = q->state.committed_count;
    }
    const std::int64_t cutoff = now_ms - ttl;
    if (ttl <= 0 || count == 0 || oldest >= cutoff) continue;
    Delta& d = deltas[q];
    sql::ResetGuard guard(s->expire);
    s->expire.bind(1, cutoff);
    while (s->expire.step()) {
      d.count -= 1;
      d.bytes -= s->expire.int64(0);
      d.dropped[idx(DropReason::ttl_expired)] += 1;
      d.rows_changed = true;
      d.rows_deleted = true;
    }
  }
}

void Writer::insert_rows(std::vector<Op>& batch, Deltas& deltas) {
  std::vector<QueueImpl*> touched;
  for (const Op& op : batch) {
    if (op.kind != Op::Kind::insert) continue;
    Delta& d = deltas[op.queue];
    d.pending_count += 1;
    d.pending_bytes += op.bytes;
    QueueSql* s = sql_for(op.queue);
    if (s == nullptr) {  // its table could not be created
      d.dropped[idx(DropReason::io_error)] += 1;
      continue;
    }
    const std::int64_t id = next_id_[op.queue]++;
    const Message& m = op.message;
    sql::ResetGuard guard(s->insert);
    s->insert.bind(1, id);
    s->insert.bind_text(2, m.topic);
    s->insert.bind_blob(3, m.payload);
    s->insert.bind(4, m.qos);
    s->insert.bind(5, m.retain ? 1 : 0);
    s->insert.bind(6, to_ms(m.received_at));
    s->insert.run();
    d.count += 1;
    d.bytes += static_cast<std::int64_t>(op.bytes);
    d.stored += 1;
    d.bytes_written += op.bytes;
    d.rows_changed = true;
    d.inserted_max_id = id;
    d.inserted_oldest_ms = std::min(d.inserted_oldest_ms, to_ms(m.received_at));
    if (touched.empty() || touched.back() != op.queue) touched.push_back(op.queue);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (QueueImpl* q : touched) trim_oldest(*q, *sql_for(q), deltas[q]);
}

void Writer::trim_oldest(QueueImpl& q, QueueSql& s, Delta& d) {
  OutboxLimits limits;
  std::int64_t count = 0, bytes = 0;
  {
    std::lock_guard<std::mutex> lock(q.m);
    limits = q.state.limits;
    count = static_cast<std::int64_t>(q.state.committed_count) + d.count;
    bytes = static_cast<std::int64_t>(q.state.committed_bytes) + d.bytes;
  }
  if (limits.overflow != Overflow::drop_oldest) return;
  const std::int64_t over_count = count - static_cast<std::int64_t>(limits.max_messages);
  const std::int64_t over_bytes = bytes - static_cast<std::int64_t>(limits.max_bytes);
  if (over_count <= 0 && over_bytes <= 0) return;

  std::int64_t removed = 0, removed_bytes = 0, last_id = 0;
  {
    sql::ResetGuard guard(s.trim_scan);
    while ((removed < over_count || removed_bytes < over_bytes) && s.trim_scan.step()) {
      last_id = s.trim_scan.int64(0);
      removed_bytes += s.trim_scan.int64(1);
      removed += 1;
    }
  }
  if (removed == 0) return;
  sql::ResetGuard guard(s.delete_upto);
  s.delete_upto.bind(1, last_id);
  s.delete_upto.run();
  d.count -= removed;
  d.bytes -= removed_bytes;
  d.dropped[idx(DropReason::overflow_oldest)] += static_cast<std::uint64_t>(removed);
  d.rows_changed = true;
  d.rows_deleted = true;
}

void Writer::refresh_bounds(Deltas& deltas) {
  for (auto& [q, d] : deltas) {
    if (!d.rows_changed) continue;
    if (!d.rows_deleted) {  // only appended: the bounds follow from what was inserted
      std::lock_guard<std::mutex> lock(q->m);
      d.max_live_id = std::max(q->state.max_live_id, d.inserted_max_id);
      d.oldest_ms = q->state.committed_count > 0 ? std::min(q->state.oldest_ms, d.inserted_oldest_ms)
                                                 : d.inserted_oldest_ms;
      continue;
    }
    QueueSql* s = sql_for(q);
    if (s == nullptr) continue;
    {
      sql::ResetGuard guard(s->max_id);
      d.max_live_id = s->max_id.step() && !s->max_id.is_null(0) ? s->max_id.int64(0) : 0;
    }
    sql::ResetGuard guard(s->min_received);
    d.oldest_ms = s->min_received.step() && !s->min_received.is_null(0) ? s->min_received.int64(0) : 0;
  }
}

void Writer::persist_counters(Deltas& deltas) {
  for (QueueImpl* q : queues_) {
    QueueSql* s = sql_for(q);
    if (s == nullptr) continue;
    OutboxCounters totals;
    {
      std::lock_guard<std::mutex> lock(q->m);
      totals = q->state.totals;
    }
    auto it = deltas.find(q);
    if (it != deltas.end()) {
      const Delta& d = it->second;
      totals.stored += d.stored;
      totals.acked += d.acked;
      totals.bytes_written += d.bytes_written;
      for (std::size_t i = 0; i < kDropReasons; ++i) totals.dropped[i] += d.dropped[i];
    }
    auto put = [&](const char* name_text, std::uint64_t value) {
      const std::string name = name_text;  // bound without a copy: must live until the step
      sql::ResetGuard guard(upsert_counter_);
      upsert_counter_.bind(1, s->remote_id);
      upsert_counter_.bind_text(2, name);
      upsert_counter_.bind(3, static_cast<std::int64_t>(value));
      upsert_counter_.run();
    };
    put("stored", totals.stored);
    put("sent", totals.sent);
    put("acked", totals.acked);
    put("bytes_written", totals.bytes_written);
    for (std::size_t i = 0; i < kDropReasons; ++i) put(to_string(static_cast<DropReason>(i)), totals.dropped[i]);
    put("last_id", static_cast<std::uint64_t>(next_id_[q] - 1));
  }
}

void Writer::count_lost(std::vector<Op>& batch, DropReason reason, Deltas& deltas) {
  for (const Op& op : batch) {
    if (op.kind != Op::Kind::insert) continue;
    Delta& d = deltas[op.queue];
    d.pending_count += 1;
    d.pending_bytes += op.bytes;
    d.dropped[idx(reason)] += 1;
  }
}

void Writer::commit_deltas(Deltas& deltas) {
  bool changed = false;
  for (auto& [q, d] : deltas) {
    {
      std::lock_guard<std::mutex> lock(q->m);
      auto& s = q->state;
      s.committed_count = static_cast<std::uint64_t>(static_cast<std::int64_t>(s.committed_count) + d.count);
      s.committed_bytes = static_cast<std::uint64_t>(static_cast<std::int64_t>(s.committed_bytes) + d.bytes);
      s.pending_count -= d.pending_count;
      s.pending_bytes -= d.pending_bytes;
      s.totals.stored += d.stored;
      s.totals.acked += d.acked;
      s.totals.bytes_written += d.bytes_written;
      for (std::size_t i = 0; i < kDropReasons; ++i) s.totals.dropped[i] += d.dropped[i];
      ++s.commits;
      for (std::int64_t id : d.acks) {
        auto it = s.acked.find(id);
        if (it != s.acked.end()) it->second = s.commits;
      }
      if (d.rows_changed) {
        s.max_live_id = d.max_live_id;
        s.oldest_ms = d.oldest_ms;
      }
    }
    q->rows_cv.notify_all();
    changed = changed || d.stored + d.acked > 0 || d.count != 0;
    for (std::uint64_t n : d.dropped) changed = changed || n > 0;
  }
  if (changed) counters_dirty_ = true;
}

}  // namespace edgebridge
