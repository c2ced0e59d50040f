#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "outbox/log_limiter.hpp"
#include "outbox/queue_impl.hpp"
#include "outbox/schema.hpp"
#include "outbox/writer.hpp"

namespace edgebridge {

namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::milliseconds(ms)));
}

LogLimiter& read_log() {
  static LogLimiter limiter;
  return limiter;
}

}  // namespace

QueueImpl::QueueImpl(std::string remote, const OutboxLimits& limits, Writer& writer)
    : remote_(std::move(remote)), writer_(writer) {
  state.limits = limits;
}

void QueueImpl::set_limits(const OutboxLimits& limits) {
  std::lock_guard<std::mutex> lock(m);
  state.limits = limits;
}

Delivery QueueImpl::enqueue(Message message) {
  if (message.received_at == std::chrono::system_clock::time_point{}) message.received_at = writer_.now();
  const std::size_t bytes = message.topic.size() + message.payload.size();
  {
    std::lock_guard<std::mutex> lock(m);
    auto& s = state;
    const auto& l = s.limits;
    // A message larger than the whole queue can never be stored; drop_newest
    // refuses whatever does not fit now. Both decisions count exactly what is
    // committed plus what is accepted and not yet committed.
    const bool too_big = bytes > l.max_bytes;
    const bool full = l.overflow == Overflow::drop_newest &&
                      (s.committed_count + s.pending_count + 1 > l.max_messages ||
                       s.committed_bytes + s.pending_bytes + bytes > l.max_bytes);
    if (too_big || full) {
      s.totals.dropped[static_cast<std::size_t>(DropReason::overflow_newest)] += 1;
      writer_.mark_counters_dirty();
      return Delivery::error;
    }
    s.pending_count += 1;
    s.pending_bytes += bytes;
  }
  if (writer_.insert(*this, std::move(message), bytes)) return Delivery::ok;
  std::lock_guard<std::mutex> lock(m);  // shutting down: not accepted
  state.pending_count -= 1;
  state.pending_bytes -= bytes;
  return Delivery::retry;
}

void QueueImpl::count_drop(DropReason reason) {
  {
    std::lock_guard<std::mutex> lock(m);
    state.totals.dropped[static_cast<std::size_t>(reason)] += 1;
  }
  writer_.mark_counters_dirty();
}

void QueueImpl::count_sent(std::uint64_t count) {
  {
    std::lock_guard<std::mutex> lock(m);
    state.totals.sent += count;
  }
  writer_.mark_counters_dirty();
}

void QueueImpl::ack(std::int64_t id) {
  {
    std::lock_guard<std::mutex> lock(m);
    state.acked.emplace(id, 0);
  }
  writer_.ack(*this, id);
}

bool QueueImpl::wait_for_rows(std::int64_t after_id, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(m);
  rows_cv.wait_for(lock, timeout, [&] { return state.woken || state.max_live_id > after_id; });
  state.woken = false;
  return state.max_live_id > after_id;
}

void QueueImpl::wake() {
  {
    std::lock_guard<std::mutex> lock(m);
    state.woken = true;
  }
  rows_cv.notify_all();
}

OutboxCounters QueueImpl::counters() const {
  const std::int64_t now_ms = to_ms(writer_.now());
  std::lock_guard<std::mutex> lock(m);
  OutboxCounters c = state.totals;
  c.depth = state.committed_count;
  c.depth_bytes = state.committed_bytes;
  c.pending = state.pending_count;
  c.oldest_age_ms = state.committed_count > 0 ? std::max<std::int64_t>(0, now_ms - state.oldest_ms) : 0;
  return c;
}

void QueueImpl::close_reader() {
  std::lock_guard<std::mutex> lock(reader_m_);
  read_stmt_ = {};
  reader_.close();
  reader_table_.clear();
}

std::vector<OutboxRow> QueueImpl::select_after(std::int64_t after_id, std::size_t max) {
  std::string table;
  {
    std::lock_guard<std::mutex> state_lock(m);
    table = state.table;
  }
  if (table.empty()) return {};
  const std::uint64_t generation = writer_.generation();
  std::vector<OutboxRow> rows;
  try {
    if (!reader_ || reader_generation_ != generation || reader_table_ != table) {
      read_stmt_ = {};
      reader_ = outbox_schema::open_reader(writer_.path());
      read_stmt_ = reader_.prepare("SELECT id, topic, payload, qos, retain, received_at FROM " + table +
                                   " WHERE id > ? ORDER BY id LIMIT ?");
      reader_generation_ = generation;
      reader_table_ = table;
    }
    sql::ResetGuard guard(read_stmt_);
    read_stmt_.bind(1, after_id);
    read_stmt_.bind(2, static_cast<std::int64_t>(max));
    while (read_stmt_.step()) {
      OutboxRow row;
      row.id = read_stmt_.int64(0);
      row.message.topic = read_stmt_.text(1);
      row.message.payload = read_stmt_.blob(2);
      row.message.qos = static_cast<int>(read_stmt_.int64(3));
      row.message.retain = read_stmt_.int64(4) != 0;
      row.message.received_at = from_ms(read_stmt_.int64(5));
      rows.push_back(std::move(row));
    }
  } catch (const sql::Error& e) {
    read_stmt_ = {};
    reader_.close();
    if (e.corrupt()) writer_.report_corruption();
    std::uint64_t suppressed = 0;
    if (read_log().allow(suppressed))
      spdlog::warn("Outbox read failed. remote={} error=\"{}\" suppressed={}", remote_, e.what(), suppressed);
    return {};
  }
  return rows;
}

std::vector<OutboxRow> QueueImpl::read_after(std::int64_t after_id, std::size_t max) {
  if (max == 0) return {};
  std::lock_guard<std::mutex> reader_lock(reader_m_);
  std::uint64_t snapshot_after = 0;  // every commit up to this one is visible to the read below
  {
    std::lock_guard<std::mutex> lock(m);
    snapshot_after = state.commits;
  }
  std::vector<OutboxRow> rows = select_after(after_id, max);

  std::vector<OutboxRow> out;
  out.reserve(rows.size());
  bool expired = false;
  {
    std::lock_guard<std::mutex> lock(m);
    std::int64_t cutoff = std::numeric_limits<std::int64_t>::min();
    if (state.limits.ttl.count() > 0) cutoff = to_ms(writer_.now()) - state.limits.ttl.count();
    for (OutboxRow& row : rows) {
      if (to_ms(row.message.received_at) < cutoff) {
        expired = true;  // deleted and counted by the writer's sweep
        continue;
      }
      if (state.acked.count(row.id) > 0) continue;  // delivered; its delete is pending or not yet visible
      out.push_back(std::move(row));
    }
    // Deletes this read already saw need no filtering any more.
    for (auto it = state.acked.begin(); it != state.acked.end();)
      it = it->second != 0 && it->second <= snapshot_after ? state.acked.erase(it) : std::next(it);
  }
  if (expired) writer_.request_sweep();
  return out;
}
}  // namespace edgebridge
