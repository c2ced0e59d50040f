#include "outbox/committer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "outbox/quarantine.hpp"
#include "outbox/queue_impl.hpp"
#include "outbox/schema.hpp"

namespace edgebridge {

using namespace std::chrono_literals;

namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

constexpr std::size_t idx(DropReason r) { return static_cast<std::size_t>(r); }

}  // namespace

Committer::Committer(OutboxOptions options, sql::Connection db)
    : options_(std::move(options)), db_(std::move(db)), checkpointer_(options_.path, options_.durability) {
  prepare_connection();
}

Committer::~Committer() { stop(); }

void Committer::prepare_connection() {
  begin_ = db_.prepare("BEGIN IMMEDIATE");
  commit_ = db_.prepare("COMMIT");
  rollback_ = db_.prepare("ROLLBACK");
  dead_count_ = db_.prepare("SELECT count(*) FROM dead_letters");
  dead_trim_ = db_.prepare(
      "DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters ORDER BY id LIMIT ?) RETURNING remote_id");
  // Replaces SQLite's automatic checkpoint, which would run inside our commits.
  sqlite3_wal_hook(db_.get(), &Committer::wal_hook, this);
}

void Committer::close_statements() {
  tables_.clear();
  begin_ = {};
  commit_ = {};
  rollback_ = {};
  dead_count_ = {};
  dead_trim_ = {};
}

int Committer::wal_hook(void* self, sqlite3*, const char*, int pages) {
  auto* c = static_cast<Committer*>(self);
  c->wal_pages_ = pages;
  c->checkpointer_.wal_grew(pages);
  return SQLITE_OK;
}

void Committer::cap_wal() {
  if (wal_pages_ < kWalCapPages || !db_) return;
  wal_pages_ = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    std::uint64_t suppressed = 0;
    if (error_log_.allow(suppressed))
      spdlog::warn("Outbox checkpoint failed. path={} error=\"{}\"", options_.path, sqlite3_errmsg(db_.get()));
  }
}

void Committer::start() { checkpointer_.start(); }

void Committer::stop() {
  checkpointer_.stop();
  for (QueueImpl* q : queues_) q->close_reader();
  queues_.clear();  // the queues may go before the writer does; stop() may run twice
  close_statements();
  db_.close();
}

std::string Committer::quarantined_path() const {
  std::lock_guard<std::mutex> lock(quarantine_m_);
  return quarantined_;
}

void Committer::set_quarantined_path(std::string path) {
  std::lock_guard<std::mutex> lock(quarantine_m_);
  quarantined_ = std::move(path);
}

void Committer::add_queue(QueueImpl& queue) {
  queues_.push_back(&queue);
  try {
    table_for(queue);
  } catch (const sql::Error& e) {
    recover_from_corruption(e.what());
  }
}

void Committer::set_max_file_bytes(std::uint64_t bytes) {
  max_file_bytes_ = bytes;
  apply_file_limit();
}

QueueTable* Committer::table_for(QueueImpl& q) {
  auto it = tables_.find(&q);
  if (it != tables_.end()) return it->second.get();
  if (!db_) return nullptr;
  try {
    auto table = std::make_unique<QueueTable>(db_, q);
    const QueueImpl::TableState state = table->load_state();
    // Persisted counters continue where the last run left them (first load only:
    // after a corrupt file was replaced the in-memory totals are the truth).
    std::int64_t last_id = 0;
    const bool first = loaded_once_.insert(&q).second;
    OutboxCounters persisted = table->load_counters(last_id);
    q.table_loaded(table->name(), state, first ? &persisted : nullptr, last_id);
    QueueTable* raw = table.get();
    tables_.emplace(&q, std::move(table));
    return raw;
  } catch (const sql::Error& e) {
    if (e.corrupt()) throw;
    std::uint64_t suppressed = 0;
    if (error_log_.allow(suppressed))
      spdlog::warn("Outbox queue not ready; its messages are dropped until it is. remote={} error=\"{}\"", q.remote(),
                   e.what());
    return nullptr;
  }
}

QueueImpl* Committer::queue_by_remote_id(std::int64_t remote_id) {
  for (auto& [q, table] : tables_)
    if (table->remote_id() == remote_id) return q;
  return nullptr;
}

Committer::Counts Committer::count(const std::vector<WriterOp>& batch) {
  Counts c;
  for (const WriterOp& op : batch) {
    if (op.kind == WriterOp::Kind::insert) {
      if (op.resolution.kind == Resolution::Kind::acked)
        ++c.skipped;
      else
        ++c.inserted;
      c.oldest_accepted = std::min(c.oldest_accepted, op.accepted);
    }
    if (op.kind == WriterOp::Kind::resolve && op.resolution.kind == Resolution::Kind::acked) ++c.acks;
  }
  return c;
}

void Committer::process(std::vector<WriterOp>& batch, bool tick, bool final) {
  for (WriterOp& op : batch)
    if (op.kind == WriterOp::Kind::task) op.task();

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
    for (QueueImpl* q : queues_) table_for(*q);
  } catch (const sql::Error& e) {
    recover_from_corruption(e.what());
  }

  if (!retry_resolves_.empty()) {
    for (WriterOp& op : retry_resolves_) batch.push_back(std::move(op));
    retry_resolves_.clear();
  }
  const Counts counts = count(batch);
  const bool has_work = counts.inserted + counts.skipped + counts.acks > 0 ||
                        std::any_of(batch.begin(), batch.end(),
                                    [](const WriterOp& op) { return op.kind == WriterOp::Kind::resolve; });
  const bool sweep = (sweep_requested_.exchange(false) || tick) && anything_expired();
  const bool persist = final || force_persist_.exchange(false) || (tick && counters_dirty_.load());
  if (tick && !final && db_) requeue_dead_letters();
  if (!has_work && !sweep && !persist) return;

  if (!db_) {
    Deltas lost;
    count_lost(batch, DropReason::io_error, lost);
    apply(lost);
    return;
  }

  const auto started = std::chrono::steady_clock::now();
  Deltas deltas;
  sql::Error failure(SQLITE_OK, "");
  try {
    attempt(batch, true, sweep, persist, deltas);
    apply(deltas);
    if (persist) counters_dirty_ = false;
    if (has_work)
      spdlog::trace("Outbox committed. rows={} acks={} skipped={} tick={}", counts.inserted, counts.acks, counts.skipped,
                    tick);
    if (options_.on_commit && has_work) {
      OutboxCommitReport report;
      report.messages = counts.inserted;
      report.acks = counts.acks;
      report.skipped = counts.skipped;
      report.committed_at = std::chrono::steady_clock::now();
      report.duration = report.committed_at - started;
      report.oldest_accepted = counts.inserted + counts.skipped > 0 ? counts.oldest_accepted : report.committed_at;
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
      for (QueueImpl* q : queues_) table_for(*q);
      deltas.clear();
      attempt(batch, true, sweep, persist, deltas);
      apply(deltas);
      if (persist) counters_dirty_ = false;
      return;
    } catch (const sql::Error& e) {
      failure = e;
    }
  }

  // The new messages of this batch are lost: count them, then commit what can
  // still be committed (resolutions, expiry, counters) without them.
  const DropReason reason = failure.full() ? DropReason::disk_full : DropReason::io_error;
  std::uint64_t suppressed = 0;
  LogLimiter& limiter = failure.full() ? full_log_ : error_log_;
  if (limiter.allow(suppressed))
    spdlog::warn("Outbox write failed; the batch's new messages are dropped. path={} messages={} reason={} "
                 "error=\"{}\" suppressed={}",
                 options_.path, counts.inserted, to_string(reason), failure.what(), suppressed);
  Deltas lost;
  count_lost(batch, reason, lost);
  apply(lost);
  try {
    Deltas rest;
    attempt(batch, false, sweep, true, rest);
    apply(rest);
    counters_dirty_ = false;
  } catch (const sql::Error&) {
    // Keep the resolutions for the next batch; a delete needs no new pages, so
    // it usually goes through once the writer can write at all.
    for (WriterOp& op : batch)
      if (op.kind == WriterOp::Kind::resolve) retry_resolves_.push_back(std::move(op));
  }
}

void Committer::attempt(std::vector<WriterOp>& batch, bool with_inserts, bool sweep, bool persist, Deltas& deltas) {
  if (!db_) throw sql::Error(SQLITE_CANTOPEN, "the outbox database is not open");
  try {
    begin_.run();
    begin_.reset();
    apply_resolutions(batch, deltas);
    if (sweep) sweep_expired(deltas);
    insert_rows(batch, with_inserts, deltas);
    bound_dead_letters(deltas);
    for (auto& [q, d] : deltas)
      if (QueueTable* t = table_for(*q)) t->refresh_bounds(q->table_state(), d);
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
    for (auto& [q, table] : tables_) table->forget_streams();
    throw;
  }
}

void Committer::apply_resolutions(std::vector<WriterOp>& batch, Deltas& deltas) {
  const std::int64_t now_ms = to_ms(options_.clock());
  std::unordered_map<QueueImpl*, std::vector<std::int64_t>> acked;
  for (const WriterOp& op : batch) {
    if (op.kind != WriterOp::Kind::resolve) continue;
    QueueTable* t = table_for(*op.queue);
    if (t == nullptr) continue;
    if (op.resolution.kind == Resolution::Kind::acked)
      acked[op.queue].push_back(op.id);
    else if (op.resolution.kind == Resolution::Kind::dead)
      t->move_to_dead_letters(op.id, op.resolution.dead, now_ms, deltas[op.queue]);
  }
  for (auto& [queue, ids] : acked) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    table_for(*queue)->delete_acked(ids, deltas[queue]);
  }
}

void Committer::insert_rows(std::vector<WriterOp>& batch, bool with_inserts, Deltas& deltas) {
  const std::int64_t now_ms = to_ms(options_.clock());
  std::vector<QueueImpl*> touched;
  for (WriterOp& op : batch) {
    if (op.kind != WriterOp::Kind::insert) continue;
    // Without inserts (a failed batch tried again) the caller counted them lost.
    if (!with_inserts && op.resolution.kind != Resolution::Kind::acked) continue;
    QueueDelta& d = deltas[op.queue];
    d.pending_count += 1;
    d.pending_bytes += op.bytes;
    d.settled_upto = std::max(d.settled_upto, op.id);
    if (op.resolution.kind != Resolution::Kind::none) d.early_resolved += 1;
    QueueTable* t = table_for(*op.queue);
    if (op.dead_letter_id != 0) requeued_.erase(op.dead_letter_id);
    if (op.resolution.kind == Resolution::Kind::acked) {  // delivered before it was written: never written
      d.skipped += 1;
      d.acked += 1;
      if (t != nullptr && op.dead_letter_id != 0) t->delete_dead_letter(op.dead_letter_id, d);
      continue;
    }
    if (t == nullptr) {  // its table could not be created
      d.dropped[idx(DropReason::io_error)] += 1;
      continue;
    }
    if (op.resolution.kind == Resolution::Kind::dead) {
      t->insert_dead_letter(op.message, op.resolution.dead, now_ms, d);
    } else {
      t->insert(op.id, op.message, op.bytes, d);
      if (touched.empty() || touched.back() != op.queue) touched.push_back(op.queue);
    }
    if (op.dead_letter_id != 0) t->delete_dead_letter(op.dead_letter_id, d);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (QueueImpl* q : touched) table_for(*q)->trim_oldest(q->limits(), q->table_state(), deltas[q]);
}

bool Committer::anything_expired() {
  const std::int64_t now_ms = to_ms(options_.clock());
  for (QueueImpl* q : queues_) {
    const std::int64_t ttl = q->limits().ttl.count();
    const QueueImpl::TableState s = q->table_state();
    if (ttl > 0 && s.count > 0 && s.oldest_ms < now_ms - ttl) return true;
  }
  return false;
}

void Committer::sweep_expired(Deltas& deltas) {
  const std::int64_t now_ms = to_ms(options_.clock());
  for (QueueImpl* q : queues_) {
    QueueTable* t = table_for(*q);
    if (t == nullptr) continue;
    const std::int64_t ttl = q->limits().ttl.count();
    const QueueImpl::TableState s = q->table_state();
    const std::int64_t cutoff = now_ms - ttl;
    if (ttl <= 0 || s.count == 0 || s.oldest_ms >= cutoff) continue;
    t->expire(cutoff, deltas[q]);
  }
}

void Committer::bound_dead_letters(Deltas& deltas) {
  bool added = false;
  for (const auto& [q, d] : deltas) added = added || d.dead_letters > 0;
  if (!added) return;
  std::int64_t total = 0;
  {
    sql::ResetGuard guard(dead_count_);
    if (dead_count_.step()) total = dead_count_.int64(0);
  }
  const std::int64_t over = total - static_cast<std::int64_t>(options_.max_dead_letters);
  if (over <= 0) return;
  sql::ResetGuard guard(dead_trim_);
  dead_trim_.bind(1, over);
  while (dead_trim_.step()) {
    if (QueueImpl* q = queue_by_remote_id(dead_trim_.int64(0))) {
      QueueDelta& d = deltas[q];
      d.dead_letters -= 1;
      d.dropped[idx(DropReason::dead_letters_full)] += 1;
    }
  }
}

void Committer::persist_counters(Deltas& deltas) {
  for (QueueImpl* q : queues_) {
    QueueTable* t = table_for(*q);
    if (t == nullptr) continue;
    auto values = q->counter_values();
    // The counters as they will be once this batch is applied.
    auto it = deltas.find(q);
    if (it != deltas.end()) {
      const QueueDelta& d = it->second;
      for (auto& [name, value] : values) {
        if (name == "stored") value += d.stored;
        else if (name == "acked") value += d.acked;
        else if (name == "bytes_written") value += d.bytes_written;
        for (std::size_t i = 0; i < kDropReasons; ++i)
          if (name == to_string(static_cast<DropReason>(i))) value += d.dropped[i];
        for (std::size_t i = 0; i < kDeadLetterReasons; ++i)
          if (name == std::string("dead_lettered_") + to_string(static_cast<DeadLetterReason>(i)))
            value += d.dead_lettered[i];
      }
    }
    t->persist_counters(values);
  }
}

void Committer::count_lost(std::vector<WriterOp>& batch, DropReason reason, Deltas& deltas) {
  for (const WriterOp& op : batch) {
    if (op.kind != WriterOp::Kind::insert || op.resolution.kind == Resolution::Kind::acked) continue;
    QueueDelta& d = deltas[op.queue];
    d.pending_count += 1;
    d.pending_bytes += op.bytes;
    d.settled_upto = std::max(d.settled_upto, op.id);
    if (op.resolution.kind != Resolution::Kind::none) d.early_resolved += 1;
    d.dropped[idx(reason)] += 1;
    if (op.dead_letter_id != 0) requeued_.erase(op.dead_letter_id);
  }
}

void Committer::apply(Deltas& deltas) {
  bool changed = false;
  for (auto& [q, d] : deltas) {
    q->apply(d);
    changed = changed || d.counts_changed();
  }
  if (changed) counters_dirty_ = true;
}

void Committer::requeue_dead_letters() {
  for (QueueImpl* q : queues_) {
    QueueTable* t = table_for(*q);
    if (t == nullptr) continue;
    std::vector<std::pair<std::int64_t, Message>> rows;
    try {
      rows = t->dead_letters_to_retry();
    } catch (const sql::Error& e) {
      std::uint64_t suppressed = 0;
      if (error_log_.allow(suppressed))
        spdlog::warn("Dead letters not read. remote={} error=\"{}\"", q->remote(), e.what());
      continue;
    }
    std::size_t count = 0;
    for (auto& [dead_id, message] : rows) {
      if (!requeued_.insert(dead_id).second) continue;  // already on its way back
      if (!q->requeue(std::move(message), dead_id)) {
        requeued_.erase(dead_id);
        break;
      }
      ++count;
    }
    if (count > 0) spdlog::info("Dead letters put back into their queue. remote={} messages={}", q->remote(), count);
  }
}

void Committer::apply_file_limit() {
  if (!db_) return;
  try {
    // 4294967294 is SQLite's largest max_page_count: no cap.
    std::int64_t pages = 4294967294LL;
    if (max_file_bytes_ > 0) {
      auto page_size = static_cast<std::uint64_t>(db_.query_int("PRAGMA page_size", 4096));
      pages = static_cast<std::int64_t>(std::max<std::uint64_t>(1, max_file_bytes_ / page_size));
    }
    db_.query_int("PRAGMA max_page_count=" + std::to_string(pages));
  } catch (const sql::Error& e) {
    spdlog::warn("Outbox file limit not applied. path={} error=\"{}\"", options_.path, e.what());
  }
}

bool Committer::reopen() {
  try {
    db_ = outbox_schema::open_writer(options_.path, options_.durability);
    prepare_connection();
    apply_file_limit();
    checkpointer_.resume();
    spdlog::info("Outbox database opened. path={}", options_.path);
    return true;
  } catch (const sql::Error& e) {
    close_statements();
    db_.close();
    next_reopen_ = std::chrono::steady_clock::now() + 5s;
    spdlog::error("Outbox database cannot be opened; messages are dropped until it can. path={} error=\"{}\"",
                  options_.path, e.what());
    return false;
  }
}

void Committer::recover_from_corruption(const std::string& why) {
  spdlog::error("Outbox database is corrupt. path={} error=\"{}\"", options_.path, why);
  ++generation_;
  for (QueueImpl* q : queues_) q->close_reader();
  checkpointer_.suspend();
  close_statements();
  db_.close();

  std::string error;
  std::string moved = quarantine_database(options_.path, "corrupt", options_.clock(), error);
  if (moved.empty()) {
    spdlog::error("Corrupt outbox could not be moved aside. path={} error=\"{}\"", options_.path, error);
  } else {
    spdlog::error("Moved the corrupt outbox aside; starting a new one. path={} moved_to={}", options_.path, moved);
  }
  // The rows in the damaged file will not be delivered: count them.
  for (QueueImpl* q : queues_) q->table_lost();
  // Published after the counts: whoever sees the new path also sees the rows it lost.
  if (!moved.empty()) set_quarantined_path(moved);
  counters_dirty_ = true;
  retry_resolves_.clear();
  requeued_.clear();
  reopen();
}

}  // namespace edgebridge
