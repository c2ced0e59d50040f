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
    ops_.push_back(std::move(op));
    ++submitted_;
    sooner = sooner || ops_.size() >= options_.max_batch;
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

void Writer::resolve(QueueImpl& queue, std::int64_t id, Resolution resolution) {
  {
    std::lock_guard<std::mutex> lock(m_);
    if (stopping_) return;
    Intake& intake = intake_[&queue];
    if (id > intake.taken_upto) {
      // The insert is still in ops_: resolve it there (an acknowledged message
      // is then never written at all).
      intake.early.emplace(id, std::move(resolution));
      return;
    }
  }
  WriterOp op;
  op.kind = WriterOp::Kind::resolve;
  op.queue = &queue;
  op.id = id;
  op.resolution = std::move(resolution);
  push(std::move(op));
}

void Writer::commit_soon() {
  {
    std::lock_guard<std::mutex> lock(m_);
    if (held_inserts_ == 0 && eager_inserts_ == 0) return;
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
  ops_.push_back(std::move(op));
  ++tasks_;
  const std::uint64_t target = ++submitted_;
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return processed_ >= target || !running_; });
}

SteadyTime Writer::due_locked() const {
  if (tasks_ > 0 || ops_.size() >= options_.max_batch || pressure_ || (stopping_ && !ops_.empty()))
    return SteadyTime::min();
  SteadyTime due = SteadyTime::max();
  if (eager_inserts_ > 0) due = std::min(due, last_batch_ + options_.max_batch_delay);
  if (held_inserts_ > 0)
    due = std::min(due, commit_soon_ ? SteadyTime::min()
                                     : first_held_ + std::chrono::duration_cast<SteadyTime::duration>(
                                                         options_.commit_delay));
  if (resolves_ > 0)
    due = std::min(due, first_resolve_ + std::chrono::duration_cast<SteadyTime::duration>(options_.ack_delay));
  return due;
}

void Writer::take_locked(std::vector<WriterOp>& batch) {
  const std::size_t n = std::min(ops_.size(), options_.max_batch);
  batch.reserve(n);
  bool took_inserts = false;
  for (std::size_t i = 0; i < n; ++i) {
    WriterOp& op = ops_.front();
    switch (op.kind) {
      case WriterOp::Kind::insert: {
        took_inserts = true;
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
        break;
      }
      case WriterOp::Kind::resolve: --resolves_; break;
      case WriterOp::Kind::task: --tasks_; break;
    }
    batch.push_back(std::move(op));
    ops_.pop_front();
  }
  if (took_inserts) last_batch_ = std::chrono::steady_clock::now();
  commit_soon_ = false;
  if (held_inserts_ > 0) {  // more than one batch was queued: the oldest held insert left
    for (const WriterOp& op : ops_)
      if (op.kind == WriterOp::Kind::insert && op.held) {
        first_held_ = op.accepted;
        break;
      }
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
      // Until the next tick, or until what is queued is due (see due_locked()).
      for (;;) {
        if (stopping_ || committer_->wants_attention()) break;
        const auto now = std::chrono::steady_clock::now();
        const auto due = due_locked();
        if (now >= next_tick || due <= now) break;
        work_cv_.wait_until(lock, std::min(due, next_tick));
      }
      // A tick does not take what is not due yet.
      if (due_locked() <= std::chrono::steady_clock::now()) take_locked(batch);
      taken = processed_ + batch.size();
      final = stopping_ && ops_.empty();
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
