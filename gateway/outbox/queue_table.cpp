#include "outbox/queue_table.hpp"

#include "core/clocks.hpp"
#include "outbox/schema.hpp"

namespace edgebridge {

namespace {

constexpr std::size_t idx(DropReason r) { return static_cast<std::size_t>(r); }
constexpr std::size_t idx(DeadLetterReason r) { return static_cast<std::size_t>(r); }

}  // namespace

QueueTable::QueueTable(sql::Connection& db, QueueImpl& queue) : db_(db) {
  remote_id_ = outbox_schema::ensure_remote(db_, queue.remote());
  outbox_schema::ensure_queue_table(db_, remote_id_);
  name_ = outbox_schema::queue_table(remote_id_);
  const std::string& t = name_;
  const std::string row_bytes = outbox_schema::kRowBytes;
  insert_ = db_.prepare("INSERT INTO " + t +
                        "(id, topic, payload, qos, retain, received_at, batch) VALUES(?, ?, ?, ?, ?, ?, ?)");
  delete_range_ = db_.prepare("DELETE FROM " + t + " WHERE id BETWEEN ? AND ? RETURNING " + row_bytes);
  trim_scan_ = db_.prepare("SELECT id, " + row_bytes + " FROM " + t + " ORDER BY id");
  delete_upto_ = db_.prepare("DELETE FROM " + t + " WHERE id <= ?");
  expire_ = db_.prepare("DELETE FROM " + t + " WHERE received_at < ? RETURNING " + row_bytes);
  max_id_ = db_.prepare("SELECT max(id) FROM " + t);
  min_received_ = db_.prepare("SELECT min(received_at) FROM " + t);
  to_dead_ = db_.prepare(
      "INSERT INTO dead_letters(remote_id, topic, payload, qos, retain, received_at, failed_at, reason, reason_code,"
      " attempts, detail, batch) SELECT ?, topic, payload, qos, retain, received_at, ?, ?, ?, ?, ?, batch FROM " +
      t + " WHERE id = ?");
  delete_one_ = db_.prepare("DELETE FROM " + t + " WHERE id = ? RETURNING " + row_bytes);
  insert_dead_ = db_.prepare(
      "INSERT INTO dead_letters(remote_id, topic, payload, qos, retain, received_at, failed_at, reason, reason_code,"
      " attempts, detail, batch) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  retry_scan_ = db_.prepare(
      "SELECT d.id, d.topic, d.payload, d.qos, d.retain, d.received_at, s.topic, s.format FROM dead_letters d"
      " LEFT JOIN batch_streams s ON s.id = d.batch WHERE d.retry != 0 AND d.remote_id = ? ORDER BY d.id");
  retry_delete_ = db_.prepare("DELETE FROM dead_letters WHERE id = ?");
  upsert_counter_ = db_.prepare(
      "INSERT INTO counters(remote_id, name, value) VALUES(?, ?, ?)"
      " ON CONFLICT(remote_id, name) DO UPDATE SET value = excluded.value");
  stream_insert_ = db_.prepare("INSERT OR IGNORE INTO batch_streams(remote_id, topic, format) VALUES(?, ?, ?)");
  stream_select_ = db_.prepare("SELECT id FROM batch_streams WHERE remote_id = ? AND topic = ? AND format = ?");
}

std::int64_t QueueTable::stream_id(const BatchSpec& spec) {
  const std::string format = to_string(spec.format);
  auto key = std::make_pair(spec.topic, format);
  if (auto it = streams_.find(key); it != streams_.end()) return it->second;
  {
    sql::ResetGuard guard(stream_insert_);
    stream_insert_.bind(1, remote_id_);
    stream_insert_.bind_text(2, spec.topic);
    stream_insert_.bind_text(3, format);
    stream_insert_.run();
  }
  sql::ResetGuard guard(stream_select_);
  stream_select_.bind(1, remote_id_);
  stream_select_.bind_text(2, spec.topic);
  stream_select_.bind_text(3, format);
  if (!stream_select_.step()) throw sql::Error(SQLITE_INTERNAL, "batch stream row missing after insert");
  const std::int64_t id = stream_select_.int64(0);
  streams_.emplace(std::move(key), id);
  return id;
}

void QueueTable::bind_stream(sql::Statement& s, int index, const Message& m) {
  if (m.batch)
    s.bind(index, stream_id(*m.batch));
  else
    s.bind_null(index);
}

QueueImpl::TableState QueueTable::load_state() {
  QueueImpl::TableState s;
  sql::Statement totals = db_.prepare("SELECT count(*), coalesce(sum(" + std::string(outbox_schema::kRowBytes) +
                                      "), 0) FROM " + name_);
  totals.step();
  s.count = static_cast<std::uint64_t>(totals.int64(0));
  s.bytes = static_cast<std::uint64_t>(totals.int64(1));
  {
    sql::ResetGuard guard(max_id_);
    s.max_live_id = max_id_.step() && !max_id_.is_null(0) ? max_id_.int64(0) : 0;
  }
  sql::ResetGuard guard(min_received_);
  s.oldest_ms = min_received_.step() && !min_received_.is_null(0) ? min_received_.int64(0) : 0;
  return s;
}

OutboxCounters QueueTable::load_counters(std::int64_t& last_id) {
  OutboxCounters c;
  last_id = 0;
  sql::Statement read = db_.prepare("SELECT name, value FROM counters WHERE remote_id = ?");
  read.bind(1, remote_id_);
  while (read.step()) {
    const std::string name = read.text(0);
    const auto value = static_cast<std::uint64_t>(read.int64(1));
    if (name == "accepted") c.accepted = value;
    else if (name == "stored") c.stored = value;
    else if (name == "sent") c.sent = value;
    else if (name == "acked") c.acked = value;
    else if (name == "bytes_written") c.bytes_written = value;
    else if (name == "batches_sent")
      c.batches_sent = value;
    else if (name == "batch_entries")
      c.batch_entries = value;
    else if (name == "batch_bytes")
      c.batch_bytes = value;
    else if (name == "last_id") last_id = static_cast<std::int64_t>(value);
    for (std::size_t i = 0; i < kDropReasons; ++i)
      if (name == to_string(static_cast<DropReason>(i))) c.dropped[i] = value;
    for (std::size_t i = 0; i < kDeadLetterReasons; ++i)
      if (name == std::string("dead_lettered_") + to_string(static_cast<DeadLetterReason>(i))) c.dead_lettered[i] = value;
  }
  sql::Statement dead = db_.prepare("SELECT count(*) FROM dead_letters WHERE remote_id = ?");
  dead.bind(1, remote_id_);
  dead.step();
  c.dead_letters = static_cast<std::uint64_t>(dead.int64(0));
  return c;
}

void QueueTable::insert(std::int64_t id, const Message& m, std::size_t bytes, QueueDelta& d) {
  sql::ResetGuard guard(insert_);
  insert_.bind(1, id);
  insert_.bind_text(2, m.topic);
  insert_.bind_blob(3, m.payload);
  insert_.bind(4, m.qos);
  insert_.bind(5, m.retain ? 1 : 0);
  insert_.bind(6, to_epoch_ms(m.received_at));
  bind_stream(insert_, 7, m);
  insert_.run();
  d.count += 1;
  d.bytes += static_cast<std::int64_t>(bytes);
  d.stored += 1;
  d.bytes_written += bytes;
  d.rows_changed = true;
  d.inserted_max_id = std::max(d.inserted_max_id, id);
  d.inserted_oldest_ms = std::min(d.inserted_oldest_ms, to_epoch_ms(m.received_at));
}

void QueueTable::delete_acked(const std::vector<std::int64_t>& ids, QueueDelta& d) {
  // PUBACKs come back in about the order the rows were sent: delete each run of
  // consecutive ids with one statement instead of one statement per row.
  for (std::size_t first = 0; first < ids.size();) {
    std::size_t last = first;
    while (last + 1 < ids.size() && ids[last + 1] == ids[last] + 1) ++last;
    sql::ResetGuard guard(delete_range_);
    delete_range_.bind(1, ids[first]);
    delete_range_.bind(2, ids[last]);
    while (delete_range_.step()) {  // the rows still there (not expired or trimmed meanwhile)
      d.count -= 1;
      d.bytes -= delete_range_.int64(0);
      d.acked += 1;
      d.rows_changed = true;
      d.rows_deleted = true;
    }
    first = last + 1;
  }
}

void QueueTable::move_to_dead_letters(std::int64_t id, const DeadLetter& why, std::int64_t now_ms, QueueDelta& d) {
  const std::string reason = to_string(why.reason);
  {
    sql::ResetGuard guard(to_dead_);
    to_dead_.bind(1, remote_id_);
    to_dead_.bind(2, now_ms);
    to_dead_.bind_text(3, reason);
    to_dead_.bind(4, why.reason_code);
    to_dead_.bind(5, why.attempts);
    to_dead_.bind_text(6, why.detail);
    to_dead_.bind(7, id);
    to_dead_.run();
  }
  if (sqlite3_changes(db_.get()) == 0) return;  // gone meanwhile (expired, trimmed)
  sql::ResetGuard guard(delete_one_);
  delete_one_.bind(1, id);
  while (delete_one_.step()) {
    d.count -= 1;
    d.bytes -= delete_one_.int64(0);
    d.rows_changed = true;
    d.rows_deleted = true;
  }
  d.dead_lettered[idx(why.reason)] += 1;
  d.dead_letters += 1;
}

void QueueTable::insert_dead_letter(const Message& m, const DeadLetter& why, std::int64_t now_ms, QueueDelta& d) {
  const std::string reason = to_string(why.reason);
  sql::ResetGuard guard(insert_dead_);
  insert_dead_.bind(1, remote_id_);
  insert_dead_.bind_text(2, m.topic);
  insert_dead_.bind_blob(3, m.payload);
  insert_dead_.bind(4, m.qos);
  insert_dead_.bind(5, m.retain ? 1 : 0);
  insert_dead_.bind(6, to_epoch_ms(m.received_at));
  insert_dead_.bind(7, now_ms);
  insert_dead_.bind_text(8, reason);
  insert_dead_.bind(9, why.reason_code);
  insert_dead_.bind(10, why.attempts);
  insert_dead_.bind_text(11, why.detail);
  bind_stream(insert_dead_, 12, m);
  insert_dead_.run();
  d.dead_lettered[idx(why.reason)] += 1;
  d.dead_letters += 1;
}

void QueueTable::expire(std::int64_t cutoff_ms, QueueDelta& d) {
  sql::ResetGuard guard(expire_);
  expire_.bind(1, cutoff_ms);
  while (expire_.step()) {
    d.count -= 1;
    d.bytes -= expire_.int64(0);
    d.dropped[idx(DropReason::ttl_expired)] += 1;
    d.rows_changed = true;
    d.rows_deleted = true;
  }
}

void QueueTable::trim_oldest(const OutboxLimits& limits, const QueueImpl::TableState& committed, QueueDelta& d) {
  if (limits.overflow != Overflow::drop_oldest) return;
  const std::int64_t count = static_cast<std::int64_t>(committed.count) + d.count;
  const std::int64_t bytes = static_cast<std::int64_t>(committed.bytes) + d.bytes;
  const std::int64_t over_count = count - static_cast<std::int64_t>(limits.max_messages);
  const std::int64_t over_bytes = bytes - static_cast<std::int64_t>(limits.max_bytes);
  if (over_count <= 0 && over_bytes <= 0) return;

  std::int64_t removed = 0, removed_bytes = 0, last_id = 0;
  {
    sql::ResetGuard guard(trim_scan_);
    while ((removed < over_count || removed_bytes < over_bytes) && trim_scan_.step()) {
      last_id = trim_scan_.int64(0);
      removed_bytes += trim_scan_.int64(1);
      removed += 1;
    }
  }
  if (removed == 0) return;
  sql::ResetGuard guard(delete_upto_);
  delete_upto_.bind(1, last_id);
  delete_upto_.run();
  d.count -= removed;
  d.bytes -= removed_bytes;
  d.dropped[idx(DropReason::overflow_oldest)] += static_cast<std::uint64_t>(removed);
  d.rows_changed = true;
  d.rows_deleted = true;
  d.trimmed_upto = std::max(d.trimmed_upto, last_id);
}

std::vector<std::pair<std::int64_t, Message>> QueueTable::dead_letters_to_retry() {
  std::vector<std::pair<std::int64_t, Message>> rows;
  sql::ResetGuard guard(retry_scan_);
  retry_scan_.bind(1, remote_id_);
  while (retry_scan_.step()) {
    Message m;
    m.topic = retry_scan_.text(1);
    m.payload = retry_scan_.blob(2);
    m.qos = static_cast<int>(retry_scan_.int64(3));
    m.retain = retry_scan_.int64(4) != 0;
    m.received_at = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::milliseconds(retry_scan_.int64(5))));
    if (!retry_scan_.is_null(6)) {  // it goes back into its batch stream (the forwarder knows the limits)
      auto spec = std::make_shared<BatchSpec>();
      spec->topic = retry_scan_.text(6);
      spec->format = batch_format_named(retry_scan_.text(7));
      m.batch = std::move(spec);
    }
    rows.emplace_back(retry_scan_.int64(0), std::move(m));
  }
  return rows;
}

void QueueTable::delete_dead_letter(std::int64_t dead_id, QueueDelta& d) {
  sql::ResetGuard guard(retry_delete_);
  retry_delete_.bind(1, dead_id);
  retry_delete_.run();
  if (sqlite3_changes(db_.get()) > 0) d.dead_letters -= 1;
}

void QueueTable::refresh_bounds(const QueueImpl::TableState& committed, QueueDelta& d) {
  if (!d.rows_changed) return;
  if (!d.rows_deleted) {  // only appended: the bounds follow from what was inserted
    d.max_live_id = std::max(committed.max_live_id, d.inserted_max_id);
    d.oldest_ms = committed.count > 0 ? std::min(committed.oldest_ms, d.inserted_oldest_ms) : d.inserted_oldest_ms;
    return;
  }
  {
    sql::ResetGuard guard(max_id_);
    d.max_live_id = max_id_.step() && !max_id_.is_null(0) ? max_id_.int64(0) : 0;
  }
  sql::ResetGuard guard(min_received_);
  d.oldest_ms = min_received_.step() && !min_received_.is_null(0) ? min_received_.int64(0) : 0;
}

void QueueTable::persist_counters(const std::vector<std::pair<std::string, std::uint64_t>>& values) {
  for (const auto& [name, value] : values) {
    sql::ResetGuard guard(upsert_counter_);
    upsert_counter_.bind(1, remote_id_);
    upsert_counter_.bind_text(2, name);  // bound without a copy: `values` outlives the step
    upsert_counter_.bind(3, static_cast<std::int64_t>(value));
    upsert_counter_.run();
  }
}

}  // namespace edgebridge
