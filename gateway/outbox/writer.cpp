#include "outbox/writer.hpp"

#include <algorithm>

#include "outbox/committer.hpp"
#include "outbox/queue_impl.hpp"

namespace edgebridge {

using namespace std::chrono_literals;
using SteadyTime = std::chrono::steady_clock::time_point;

Writer::Writer(OutboxOptions options, std::unique_ptr<Committer> committer)
    : options_(std::move(options)), committer_(std::move(committer)) {
  if (options_.max_batch == 0) options_.max_batch = 1;
}

Writer::~Writer() { stop(); }

void Writer::start() {
  {
    std::lock_guard<std::mutex> lock(m_);
    running_ = true;
  }
  committer_->start();
  thread_ = std::thread([this] { run(); });
}

void Writer::stop() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  committer_->stop();
}

bool Writer::push(WriterOp op) {
  bool sooner = false;  // this op may make the queued batch due sooner: wake the writer
  {
    std::lock_guard<std::mutex> lock(m_);
    if (stopping_) return false;
    const auto now = std::chrono::steady_clock::now();
    switch (op.kind) {
      case WriterOp::Kind::insert:
        if (op.held) {
          if (held_inserts_++ == 0) first_held_ = op.accepted;
        } else {
          sooner = eager_inserts_++ == 0;
        }
        pending_insert_bytes_ += op.bytes;
        if (!pressure_ && pending_insert_bytes_ > options_.max_pending_bytes) {
          pressure_ = true;
          sooner = true;
        }
        break;
      case WriterOp::Kind::resolve:
        if (resolves_++ == 0) {
          first_resolve_ = now;
          sooner = true;
        }
        break;
      case WriterOp::Kind::task:
        ++tasks_;
        sooner = true;
        break;
    }
    (op.kind == WriterOp::Kind::insert ? inserts_ : others_).push_back(std::move(op));
    ++submitted_;
    sooner = sooner || (inserts_.size() >= options_.max_batch && eager_inserts_ > 0);
  }
  if (sooner) work_cv_.notify_one();
  return true;
}

bool Writer::insert(QueueImpl& queue, std::int64_t id, Message message, std::size_t bytes, bool held,
                    std::int64_t dead_letter_id) {
  WriterOp op;
  op.kind = WriterOp::Kind::insert;
  op.queue = &queue;
  op.id = id;
  op.message = std::move(message);
  op.bytes = bytes;
  // With durability: full every message is committed (and synced) at once.
  op.held = held && options_.durability == Durability::normal;
  op.accepted = std::chrono::steady_clock::now();
  op.dead_letter_id = dead_letter_id;
  return push(std::move(op));
}

bool Writer::resolve(QueueImpl& queue, std::int64_t id, Resolution resolution) {
  {
    std::lock_guard<std::mutex> lock(m_);
    if (stopping_) return false;
    Intake& intake = intake_[&queue];
    if (id > intake.taken_upto) {
      // The insert is still queued: resolve it there (an acknowledged message
      // is then never written at all).
      const bool added = intake.early.emplace(id, std::move(resolution)).second;
      if (added) queue.note_early_resolution();
      return added;
    }
  }
  WriterOp op;
  op.kind = WriterOp::Kind::resolve;
  op.queue = &queue;
  op.id = id;
  op.resolution = std::move(resolution);
  push(std::move(op));
  return false;
}

void Writer::commit_soon() {
  {
    std::lock_guard<std::mutex> lock(m_);
    if (inserts_.empty()) return;
    commit_soon_ = true;
  }
  work_cv_.notify_one();
}

void Writer::add_queue(QueueImpl& queue) {
  WriterOp op;
  op.kind = WriterOp::Kind::task;
  op.task = [this, &queue] { committer_->add_queue(queue); };
  push(std::move(op));
  flush();
}

void Writer::set_max_file_bytes(std::uint64_t bytes) {
  WriterOp op;
  op.kind = WriterOp::Kind::task;
  op.task = [this, bytes] { committer_->set_max_file_bytes(bytes); };
  push(std::move(op));
  flush();
}

void Writer::request_sweep() {
  committer_->request_sweep();
  work_cv_.notify_one();
}

void Writer::report_corruption() {
  committer_->report_corruption();
  work_cv_.notify_one();
}

void Writer::mark_counters_dirty() { committer_->mark_counters_dirty(); }

std::uint64_t Writer::generation() const { return committer_->generation(); }

std::string Writer::quarantined_path() const { return committer_->quarantined_path(); }

bool Writer::under_pressure() const {
  std::lock_guard<std::mutex> lock(m_);
  return pressure_;
}

void Writer::flush() {
  std::unique_lock<std::mutex> lock(m_);
  if (!running_ || stopping_) return;
  // A flush also persists the counters, so `outbox stats` sees them at once.
  WriterOp op;
  op.kind = WriterOp::Kind::task;
  op.task = [this] { committer_->force_persist(); };
  others_.push_back(std::move(op));
  ++tasks_;
  const std::uint64_t target = ++submitted_;
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return processed_ >= target || !running_; });
}

SteadyTime Writer::inserts_due_locked() const {
  if (inserts_.empty()) return SteadyTime::max();
  // A task (flush, a new queue) must see every insert before it done; pressure
  // and stopping take everything.
  if (tasks_ > 0 || pressure_ || stopping_ || commit_soon_) return SteadyTime::min();
  SteadyTime due = SteadyTime::max();
  if (eager_inserts_ > 0)
    due = inserts_.size() >= options_.max_batch ? SteadyTime::min() : last_batch_ + options_.max_batch_delay;
  if (held_inserts_ > 0)
    due = std::min(due, first_held_ + std::chrono::duration_cast<SteadyTime::duration>(options_.commit_delay));
  return due;
}

SteadyTime Writer::others_due_locked() const {
  if (others_.empty()) return SteadyTime::max();
  if (tasks_ > 0 || stopping_) return SteadyTime::min();
  return first_resolve_ + std::chrono::duration_cast<SteadyTime::duration>(options_.ack_delay);
}

void Writer::take_locked(std::vector<WriterOp>& batch, SteadyTime now) {
  const bool take_inserts = inserts_due_locked() <= now;
  const bool take_others = others_due_locked() <= now || (take_inserts && !others_.empty());
  if (take_inserts) {
    const std::size_t n = std::min(inserts_.size(), options_.max_batch);
    batch.reserve(n + others_.size());
    for (std::size_t i = 0; i < n; ++i) {
      WriterOp& op = inserts_.front();
      (op.held ? held_inserts_ : eager_inserts_) -= 1;
      pending_insert_bytes_ -= op.bytes;
      Intake& intake = intake_[op.queue];
      intake.taken_upto = std::max(intake.taken_upto, op.id);
      if (!intake.early.empty()) {
        auto it = intake.early.find(op.id);
        if (it != intake.early.end()) {
          op.resolution = std::move(it->second);
          intake.early.erase(it);
        }
      }
      batch.push_back(std::move(op));
      inserts_.pop_front();
    }
    if (n > 0) last_batch_ = now;
    commit_soon_ = false;
    if (held_inserts_ > 0) {  // more than one batch was queued: the oldest held insert left
      for (const WriterOp& op : inserts_)
        if (op.held) {
          first_held_ = op.accepted;
          break;
        }
    }
  }
  if (take_others) {
    bool took_task = false;
    while (!others_.empty()) {
      WriterOp& op = others_.front();
      if (op.kind == WriterOp::Kind::task) {
        --tasks_;
        took_task = true;
      } else {
        --resolves_;
      }
      batch.push_back(std::move(op));
      others_.pop_front();
    }
    // Everything accepted before a task (a flush) goes with it: what did not
    // fit this batch is due at once.
    if (took_task && !inserts_.empty()) commit_soon_ = true;
  }
}

void Writer::run() {
  auto next_tick = std::chrono::steady_clock::now() + 1s;
  std::vector<WriterOp> batch;
  for (;;) {
    batch.clear();
    std::uint64_t taken = 0;
    bool final = false;
    bool relief = false;
    {
      std::unique_lock<std::mutex> lock(m_);
      // Until the next tick, or until something queued is due.
      for (;;) {
        if (stopping_ || committer_->wants_attention()) break;
        const auto now = std::chrono::steady_clock::now();
        const auto due = std::min(inserts_due_locked(), others_due_locked());
        if (now >= next_tick || due <= now) break;
        work_cv_.wait_until(lock, std::min(due, next_tick));
      }
      // A tick does not take what is not due yet.
      take_locked(batch, std::chrono::steady_clock::now());
      taken = processed_ + batch.size();
      final = stopping_ && inserts_.empty() && others_.empty();
      if (pressure_ && pending_insert_bytes_ <= options_.max_pending_bytes / 2) {
        pressure_ = false;
        relief = true;
      }
    }
    if (relief && options_.on_relief) options_.on_relief();
    const auto now = std::chrono::steady_clock::now();
    const bool tick = now >= next_tick || final;
    if (tick) next_tick = now + 1s;
    committer_->process(batch, tick, final);
    {
      std::lock_guard<std::mutex> lock(m_);
      processed_ = taken;
      if (final) running_ = false;
    }
    done_cv_.notify_all();
    if (final) break;
  }
}

}  // namespace edgebridge
