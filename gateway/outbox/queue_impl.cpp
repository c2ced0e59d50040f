#include "outbox/queue_impl.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "core/clocks.hpp"
#include "core/log_limiter.hpp"
#include "outbox/schema.hpp"
#include "outbox/writer.hpp"

namespace edgebridge {

namespace {

LogLimiter& read_log() {
  static LogLimiter limiter;
  return limiter;
}

}  // namespace

bool QueueDelta::counts_changed() const {
  if (stored + acked + skipped > 0 || count != 0 || dead_letters != 0) return true;
  for (std::uint64_t n : dropped)
    if (n > 0) return true;
  for (std::uint64_t n : dead_lettered)
    if (n > 0) return true;
  return false;
}

QueueImpl::QueueImpl(std::string remote, const OutboxLimits& limits, Writer& writer)
    : remote_(std::move(remote)), writer_(writer), limits_(limits) {}

void QueueImpl::set_limits(const OutboxLimits& limits) {
  std::lock_guard<std::mutex> lock(m_);
  limits_ = limits;
}

Accepted QueueImpl::enqueue(Message message, bool held) {
  if (message.received_at == std::chrono::system_clock::time_point{}) message.received_at = writer_.now();
  const std::size_t bytes = message.topic.size() + message.payload.size();
  std::lock_guard<std::mutex> lock(m_);
  // A message larger than the whole queue can never be stored; drop_newest
  // refuses whatever does not fit now. Both decisions count exactly what is
  // committed plus what is accepted and not yet committed.
  const bool too_big = bytes > limits_.max_bytes;
  const bool full = limits_.overflow == Overflow::drop_newest &&
                    (table_state_.count + pending_count_ + 1 > limits_.max_messages ||
                     table_state_.bytes + pending_bytes_ + bytes > limits_.max_bytes);
  if (too_big || full) {
    totals_.dropped[static_cast<std::size_t>(DropReason::overflow_newest)] += 1;
    writer_.mark_counters_dirty();
    return {Delivery::error, 0};
  }
  // The id and the writer's FIFO under one lock: ids reach the writer in order.
  const std::int64_t id = next_id_;
  if (!writer_.insert(*this, id, std::move(message), bytes, held)) return {Delivery::retry, 0};
  ++next_id_;
  pending_count_ += 1;
  pending_bytes_ += bytes;
  totals_.accepted += 1;
  return {Delivery::ok, id};
}

bool QueueImpl::requeue(Message message, std::int64_t dead_letter_id) {
  const std::size_t bytes = message.topic.size() + message.payload.size();
  std::lock_guard<std::mutex> lock(m_);
  const std::int64_t id = next_id_;
  if (!writer_.insert(*this, id, std::move(message), bytes, false, dead_letter_id)) return false;
  ++next_id_;
  pending_count_ += 1;
  pending_bytes_ += bytes;
  return true;
}

void QueueImpl::count_drop(DropReason reason) {
  {
    std::lock_guard<std::mutex> lock(m_);
    totals_.dropped[static_cast<std::size_t>(reason)] += 1;
  }
  writer_.mark_counters_dirty();
}

void QueueImpl::count_sent(std::uint64_t count) {
  {
    std::lock_guard<std::mutex> lock(m_);
    totals_.sent += count;
  }
  writer_.mark_counters_dirty();
}

void QueueImpl::count_batch(std::uint64_t entries, std::uint64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(m_);
    totals_.batches_sent += 1;
    totals_.batch_entries += entries;
    totals_.batch_bytes += bytes;
  }
  writer_.mark_counters_dirty();
}

void QueueImpl::ack(std::int64_t id) {
  Resolution r;
  r.kind = Resolution::Kind::acked;
  writer_.resolve(*this, id, std::move(r));
}

void QueueImpl::dead_letter(std::int64_t id, DeadLetter why) {
  Resolution r;
  r.kind = Resolution::Kind::dead;
  r.dead = std::move(why);
  writer_.resolve(*this, id, std::move(r));
}

void QueueImpl::commit_soon() { writer_.commit_soon(); }

void QueueImpl::set_listener(QueueListener* listener) {
  std::lock_guard<std::mutex> lock(listener_m_);
  listener_ = listener;
}

void QueueImpl::notify(const CommitNotice& notice) {
  std::lock_guard<std::mutex> lock(listener_m_);
  if (listener_ != nullptr) listener_->committed(notice);
}

std::int64_t QueueImpl::settled_upto() const {
  std::lock_guard<std::mutex> lock(m_);
  return settled_upto_;
}

OutboxCounters QueueImpl::counters() const {
  const std::int64_t now_ms = to_epoch_ms(writer_.now());
  std::lock_guard<std::mutex> lock(m_);
  OutboxCounters c = totals_;
  c.pending = pending_count_;
  const std::uint64_t resolved = early_resolved_.load();
  c.depth = table_state_.count + pending_count_ - std::min(resolved, pending_count_);
  c.depth_bytes = table_state_.bytes + pending_bytes_;
  c.oldest_age_ms = table_state_.count > 0 ? std::max<std::int64_t>(0, now_ms - table_state_.oldest_ms) : 0;
  c.dead_letters = dead_letters_;
  return c;
}

OutboxLimits QueueImpl::limits() const {
  std::lock_guard<std::mutex> lock(m_);
  return limits_;
}

QueueImpl::TableState QueueImpl::table_state() const {
  std::lock_guard<std::mutex> lock(m_);
  return table_state_;
}

bool QueueImpl::has_table() const {
  std::lock_guard<std::mutex> lock(m_);
  return !table_.empty();
}

void QueueImpl::table_loaded(const std::string& table, TableState state, const OutboxCounters* persisted,
                             std::int64_t last_id) {
  {
    std::lock_guard<std::mutex> lock(m_);
    table_ = table;
    table_state_ = state;
    // Ids only grow, also across a replaced database and an emptied table.
    next_id_ = std::max({next_id_, state.max_live_id + 1, last_id + 1, std::int64_t{1}});
    // Nothing is pending when a table is loaded: every id handed out is settled.
    settled_upto_ = std::max(settled_upto_, next_id_ - 1);
    if (persisted != nullptr) {
      totals_.accepted += persisted->accepted;
      totals_.stored += persisted->stored;
      totals_.sent += persisted->sent;
      totals_.acked += persisted->acked;
      totals_.bytes_written += persisted->bytes_written;
      totals_.batches_sent += persisted->batches_sent;
      totals_.batch_entries += persisted->batch_entries;
      totals_.batch_bytes += persisted->batch_bytes;
      for (std::size_t i = 0; i < kDropReasons; ++i) totals_.dropped[i] += persisted->dropped[i];
      for (std::size_t i = 0; i < kDeadLetterReasons; ++i) totals_.dead_lettered[i] += persisted->dead_lettered[i];
      dead_letters_ = persisted->dead_letters;
    }
  }
  if (state.count > 0)
    spdlog::info("Outbox has rows waiting from before. remote={} rows={} bytes={}", remote_, state.count, state.bytes);
}

void QueueImpl::table_lost() {
  std::lock_guard<std::mutex> lock(m_);
  table_.clear();
  totals_.dropped[static_cast<std::size_t>(DropReason::io_error)] += table_state_.count;
  table_state_ = TableState{};
  dead_letters_ = 0;
}

std::int64_t QueueImpl::last_id() const {
  std::lock_guard<std::mutex> lock(m_);
  return next_id_ - 1;
}

void QueueImpl::apply(const QueueDelta& d) {
  CommitNotice notice;
  bool advanced = false;
  {
    std::lock_guard<std::mutex> lock(m_);
    table_state_.count = static_cast<std::uint64_t>(static_cast<std::int64_t>(table_state_.count) + d.count);
    table_state_.bytes = static_cast<std::uint64_t>(static_cast<std::int64_t>(table_state_.bytes) + d.bytes);
    if (d.rows_changed) {
      table_state_.max_live_id = d.max_live_id;
      table_state_.oldest_ms = d.oldest_ms;
    }
    pending_count_ -= d.pending_count;
    pending_bytes_ -= d.pending_bytes;
    early_resolved_ -= std::min(early_resolved_.load(), d.early_resolved);
    totals_.stored += d.stored;
    totals_.acked += d.acked;
    totals_.bytes_written += d.bytes_written;
    for (std::size_t i = 0; i < kDropReasons; ++i) totals_.dropped[i] += d.dropped[i];
    for (std::size_t i = 0; i < kDeadLetterReasons; ++i) totals_.dead_lettered[i] += d.dead_lettered[i];
    dead_letters_ = static_cast<std::uint64_t>(std::max<std::int64_t>(0, static_cast<std::int64_t>(dead_letters_) + d.dead_letters));
    if (d.settled_upto > settled_upto_) {
      settled_upto_ = d.settled_upto;
      advanced = true;
    }
    notice.settled_upto = settled_upto_;
    notice.trimmed_upto = d.trimmed_upto;
  }
  if (advanced || notice.trimmed_upto > 0) notify(notice);
}

std::vector<std::pair<std::string, std::uint64_t>> QueueImpl::counter_values() const {
  std::lock_guard<std::mutex> lock(m_);
  std::vector<std::pair<std::string, std::uint64_t>> v;
  v.emplace_back("accepted", totals_.accepted);
  v.emplace_back("stored", totals_.stored);
  v.emplace_back("sent", totals_.sent);
  v.emplace_back("acked", totals_.acked);
  v.emplace_back("bytes_written", totals_.bytes_written);
  v.emplace_back("batches_sent", totals_.batches_sent);
  v.emplace_back("batch_entries", totals_.batch_entries);
  v.emplace_back("batch_bytes", totals_.batch_bytes);
  for (std::size_t i = 0; i < kDropReasons; ++i)
    v.emplace_back(to_string(static_cast<DropReason>(i)), totals_.dropped[i]);
  for (std::size_t i = 0; i < kDeadLetterReasons; ++i)
    v.emplace_back(std::string("dead_lettered_") + to_string(static_cast<DeadLetterReason>(i)),
                   totals_.dead_lettered[i]);
  v.emplace_back("last_id", static_cast<std::uint64_t>(next_id_ - 1));
  return v;
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
    std::lock_guard<std::mutex> state_lock(m_);
    table = table_;
  }
  if (table.empty()) return {};
  const std::uint64_t generation = writer_.generation();
  std::vector<OutboxRow> rows;
  try {
    if (!reader_ || reader_generation_ != generation || reader_table_ != table) {
      read_stmt_ = {};
      reader_ = outbox_schema::open_reader(writer_.path());
      read_stmt_ = reader_.prepare(
          "SELECT q.id, q.topic, q.payload, q.qos, q.retain, q.received_at, s.topic, s.format FROM " + table +
          " q LEFT JOIN batch_streams s ON s.id = q.batch WHERE q.id > ? ORDER BY q.id LIMIT ?");
      reader_generation_ = generation;
      reader_table_ = table;
    }
    sql::ResetGuard guard(read_stmt_);
    std::shared_ptr<const BatchSpec> last_stream;  // rows of one stream share one
    read_stmt_.bind(1, after_id);
    read_stmt_.bind(2, static_cast<std::int64_t>(max));
    while (read_stmt_.step()) {
      OutboxRow row;
      row.id = read_stmt_.int64(0);
      row.message.topic = read_stmt_.text(1);
      row.message.payload = read_stmt_.blob(2);
      row.message.qos = static_cast<int>(read_stmt_.int64(3));
      row.message.retain = read_stmt_.int64(4) != 0;
      row.message.received_at = from_epoch_ms(read_stmt_.int64(5));
      if (!read_stmt_.is_null(6)) {  // its stream by name; the forwarder knows the limits
        const std::string topic = read_stmt_.text(6);
        const BatchFormat format = batch_format_named(read_stmt_.text(7));
        if (!last_stream || last_stream->topic != topic || last_stream->format != format) {
          auto spec = std::make_shared<BatchSpec>();
          spec->topic = topic;
          spec->format = format;
          last_stream = std::move(spec);
        }
        row.message.batch = last_stream;
      }
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

std::vector<OutboxRow> QueueImpl::read_after(std::int64_t after_id, std::size_t max, ReadInfo* info) {
  if (info != nullptr) *info = ReadInfo{after_id, max == 0};
  if (max == 0) return {};
  std::vector<OutboxRow> rows;
  {
    std::lock_guard<std::mutex> reader_lock(reader_m_);
    rows = select_after(after_id, max);
  }
  if (info != nullptr) {
    info->scanned_upto = rows.empty() ? after_id : rows.back().id;
    info->exhausted = rows.size() < max;
  }
  std::int64_t cutoff = std::numeric_limits<std::int64_t>::min();
  {
    std::lock_guard<std::mutex> lock(m_);
    if (limits_.ttl.count() > 0) cutoff = to_epoch_ms(writer_.now()) - limits_.ttl.count();
  }
  const auto expired = std::remove_if(rows.begin(), rows.end(),
                                      [&](const OutboxRow& r) { return to_epoch_ms(r.message.received_at) < cutoff; });
  if (expired != rows.end()) {
    rows.erase(expired, rows.end());
    writer_.request_sweep();  // deleted and counted by the writer's sweep
  }
  return rows;
}

}  // namespace edgebridge
