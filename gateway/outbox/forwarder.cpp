#include "outbox/forwarder.hpp"
#include "core/echo.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace edgebridge {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string hex(int code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", code);
  return buf;
}

}  // namespace

Forwarder::Forwarder(std::string remote, EventLoop& loop, OutboxQueue& queue, Publisher& publisher,
                     ForwarderSettings settings, ReleaseSink* releases, DeadLetterHook on_dead_letter)
    : remote_(std::move(remote)),
      loop_(loop),
      queue_(queue),
      publisher_(publisher),
      settings_(std::move(settings)),
      releases_(releases),
      on_dead_letter_(std::move(on_dead_letter)),
      pacer_(settings_.max_publish_rate, settings_.max_bytes_rate) {}

Forwarder::~Forwarder() { stop(); }

void Forwarder::start() {
  if (started_) return;
  started_ = true;
  settled_upto_ = queue_.settled_upto();
  known_upto_ = settled_upto_;
  queue_.set_listener(this);
  spdlog::info("Forwarder started. remote={} inflight={} rate={}", remote_, settings_.inflight,
               format_rate(settings_.max_publish_rate));
  pump();
}

void Forwarder::stop() {
  if (!started_) return;
  started_ = false;
  queue_.set_listener(nullptr);  // no notice is being delivered after this
  // Nobody will hear this queue's commits for these any more (a reload replaces
  // the link): the writer has them and commits them within commit_delay.
  queue_.commit_soon();
  release_upto(std::numeric_limits<std::int64_t>::max());
  *alive_ = false;
  if (pump_timer_ != 0) loop_.cancel(pump_timer_);
  pump_timer_ = 0;
  if (drain_timer_ != 0) loop_.cancel(drain_timer_);
  drain_timer_ = 0;
  draining_ = false;
  drain_done_ = nullptr;  // whoever waited on it is going away too
}

std::size_t Forwarder::max_rows() const {
  return publisher_.connection_id() != 0 ? settings_.memory_rows : settings_.offline_rows;
}

std::size_t Forwarder::max_bytes() const {
  return publisher_.connection_id() != 0 ? settings_.memory_bytes : settings_.offline_bytes;
}

bool Forwarder::keep_in_memory(std::size_t bytes) const {
  return rows_.size() < max_rows() && memory_bytes_ + bytes <= max_bytes();
}

Delivery Forwarder::accept(Message message, std::uint64_t receipt) {
  if (releases_ == nullptr) receipt = 0;
  if (message.batch) message.batch = canonical(message.batch);
  if (receipt != 0) releases_->hold(receipt);
  if (message.qos == 0 && !settings_.store_qos0 && connection_ == 0) {
    queue_.count_drop(DropReason::qos0_offline);
    if (receipt != 0) releases_->release(receipt);
    return Delivery::error;
  }
  // QoS 0 promises nothing across a crash: its commit may wait like a held message's.
  // A batched message goes out only once committed: it is never held.
  const bool held = (receipt != 0 || message.qos == 0) && !message.batch;
  Message copy = message;  // the queue takes the original to the writer
  const Accepted a = queue_.enqueue(std::move(message), held);
  if (a.delivery != Delivery::ok) {
    if (receipt != 0) releases_->release(receipt);
    return a.delivery;
  }
  if (receipt != 0) {
    if (started_) {
      unreleased_.emplace_back(a.id, receipt);
    } else {  // stopped (a reload replaces this link): nobody will hear the commit here
      queue_.commit_soon();
      releases_->release(receipt);
    }
  }
  known_upto_ = std::max(known_upto_, a.id);
  Entry e;
  e.id = a.id;
  e.message = std::move(copy);
  e.seen = Clock::now();
  const std::size_t bytes = e.message.topic.size() + e.message.payload.size();
  if (fetched_upto_ == a.id - 1 && tail_.empty() && keep_in_memory(bytes)) {
    memory_bytes_ += bytes;
    rows_.push_back(std::move(e));
    fetched_upto_ = a.id;
  } else {
    // Not next in line: keep it at hand for when the reads from the database
    // have caught up to it (the newest ones; older ones are read back).
    tail_bytes_ += bytes;
    tail_.push_back(std::move(e));
    while (!tail_.empty() && (tail_.size() > max_rows() || tail_bytes_ > max_bytes())) {
      tail_bytes_ -= tail_.front().message.topic.size() + tail_.front().message.payload.size();
      tail_.pop_front();
    }
  }
  if (started_) pump();
  return Delivery::ok;
}

void Forwarder::committed(const CommitNotice& notice) {
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive, notice] {
    auto a = alive.lock();
    if (a && *a) settle(notice);
  });
}

void Forwarder::settle(const CommitNotice& notice) {
  spdlog::trace("Forwarder settle. remote={} settled={} known={} fetched={} rows={} tail={} inflight={} cursor={} "
                "unreleased={} front_state={}",
                remote_, notice.settled_upto, known_upto_, fetched_upto_, rows_.size(), tail_.size(), inflight_, cursor_,
                unreleased_.size(), rows_.empty() ? -1 : static_cast<int>(rows_.front().state));
  settled_upto_ = std::max(settled_upto_, notice.settled_upto);
  known_upto_ = std::max(known_upto_, settled_upto_);
  release_upto(settled_upto_);
  if (notice.trimmed_upto > 0) drop_unsent_upto(notice.trimmed_upto);
  pump();
}

void Forwarder::release_upto(std::int64_t id) {
  while (!unreleased_.empty() && unreleased_.front().first <= id) {
    if (unreleased_.front().second != 0 && releases_ != nullptr) releases_->release(unreleased_.front().second);
    unreleased_.pop_front();
  }
}

void Forwarder::release_one(std::int64_t id) {
  auto it = std::lower_bound(unreleased_.begin(), unreleased_.end(), id,
                             [](const std::pair<std::int64_t, std::uint64_t>& p, std::int64_t v) { return p.first < v; });
  if (it == unreleased_.end() || it->first != id) return;
  if (it->second != 0 && releases_ != nullptr) releases_->release(it->second);
  it->second = 0;
  while (!unreleased_.empty() && unreleased_.front().second == 0) unreleased_.pop_front();
}

void Forwarder::drop_unsent_upto(std::int64_t id) {
  // drop_oldest removed these rows: what was not sent yet is not sent now.
  for (Entry& e : rows_)
    if (e.id <= id && e.state == State::waiting) finish(e);
  pop_done();
}

Forwarder::Entry* Forwarder::find(std::int64_t id) {
  auto it = std::lower_bound(rows_.begin(), rows_.end(), id, [](const Entry& e, std::int64_t v) { return e.id < v; });
  return it != rows_.end() && it->id == id ? &*it : nullptr;
}

void Forwarder::finish(Entry& e) {
  if (e.state == State::inflight) --inflight_;
  e.state = State::done;
}

void Forwarder::pop_done() {
  while (!rows_.empty() && rows_.front().state == State::done) {
    memory_bytes_ -= rows_.front().message.topic.size() + rows_.front().message.payload.size();
    rows_.pop_front();
    if (cursor_ > 0) --cursor_;
  }
}

bool Forwarder::read_more() {
  while (!tail_.empty() && tail_.front().id <= fetched_upto_) {
    tail_bytes_ -= tail_.front().message.topic.size() + tail_.front().message.payload.size();
    tail_.pop_front();
  }
  // The next ones are at hand: no need to read them back.
  bool moved = false;
  while (!tail_.empty() && tail_.front().id == fetched_upto_ + 1) {
    const std::size_t bytes = tail_.front().message.topic.size() + tail_.front().message.payload.size();
    if (!keep_in_memory(bytes)) break;
    tail_bytes_ -= bytes;
    memory_bytes_ += bytes;
    fetched_upto_ = tail_.front().id;
    rows_.push_back(std::move(tail_.front()));
    tail_.pop_front();
    moved = true;
  }
  if (moved) return true;
  // Rows not at hand exist only once committed: read what the database has.
  if (fetched_upto_ >= settled_upto_ || !keep_in_memory(0)) return false;
  const std::size_t room = max_rows() - rows_.size();
  const std::size_t want = std::min<std::size_t>(room, 256);
  OutboxQueue::ReadInfo info;
  std::vector<OutboxRow> read = queue_.read_after(fetched_upto_, want, &info);
  const auto now = Clock::now();
  for (OutboxRow& row : read) {
    const std::size_t bytes = row.message.topic.size() + row.message.payload.size();
    Entry e;
    e.id = row.id;
    e.message = std::move(row.message);
    if (e.message.batch) e.message.batch = canonical(e.message.batch);
    e.seen = now;
    memory_bytes_ += bytes;
    rows_.push_back(std::move(e));
  }
  fetched_upto_ = std::max(fetched_upto_, info.scanned_upto);
  // Every committed row was seen: ids up to the settled mark that were not
  // there were resolved before they were written (or expired).
  if (info.exhausted) fetched_upto_ = std::max(fetched_upto_, settled_upto_);
  if (read.empty() && !info.exhausted) return true;  // only expired rows this time: look further
  return !read.empty();
}

Forwarder::Entry* Forwarder::next_waiting(Clock::time_point now, Clock::time_point& retry_at,
                                          const std::vector<Stream>& held) {
  const auto is_held = [&](const Entry& e) {
    if (!e.message.batch || e.group != 0) return false;
    for (const Stream& s : held)
      if (s == e.message.batch || s->same_stream(*e.message.batch)) return true;
    return false;
  };
  for (;;) {
    while (cursor_ < rows_.size() && rows_[cursor_].state != State::waiting) ++cursor_;
    for (std::size_t i = cursor_; i < rows_.size(); ++i) {
      Entry& e = rows_[i];
      if (e.state != State::waiting) continue;
      if (e.not_before > now) {
        retry_at = std::min(retry_at, e.not_before);
        continue;
      }
      if (!is_held(e)) return &e;
    }
    if (!read_more()) return nullptr;
  }
}

void Forwarder::schedule_pump(Clock::duration delay) {
  if (delay < Clock::duration::zero()) delay = Clock::duration::zero();
  const auto due = Clock::now() + delay;
  if (pump_timer_ != 0) {
    if (pump_due_ <= due) return;
    loop_.cancel(pump_timer_);  // an earlier wake-up is needed (a batch falls due before the pacer's)
  }
  pump_due_ = due;
  pump_timer_ = loop_.after(delay, [this] {
    pump_timer_ = 0;
    pump();
  });
}

void Forwarder::pump() {
  if (!started_) return;
  const std::uint64_t conn = publisher_.connection_id();
  if (conn == 0) return;
  connection_ = conn;
  int window = std::max(1, std::min(settings_.inflight, publisher_.send_window()));
  if (strikes_ > 0) window = 1;  // the suspect of closed connections goes alone
  auto retry_at = Clock::time_point::max();
  std::vector<Stream> held;  // batch streams with nothing to send this time
  while (inflight_ < static_cast<std::size_t>(window)) {
    const auto now = Clock::now();
    Entry* e = next_waiting(now, retry_at, held);
    if (e == nullptr) break;
    if (e->message.batch) {
      BatchPlan plan;
      const Planned planned = plan_batch(*e, now, plan, retry_at);
      if (planned == Planned::wait) {
        held.push_back(e->message.batch);
        continue;
      }
      if (planned == Planned::again) continue;
      const Sent sent = send_batch(plan, conn, now);
      if (sent == Sent::paced || sent == Sent::gone) break;
      continue;
    }
    if (settings_.durability == Durability::full && e->id > settled_upto_) break;  // committed first
    if (settings_.ttl.count() > 0 &&
        e->message.received_at < std::chrono::system_clock::now() - std::chrono::milliseconds(settings_.ttl.count())) {
      release_one(e->id);  // expired: the writer's sweep deletes and counts it
      finish(*e);
      pop_done();
      continue;
    }

    const Message& m = e->message;
    const std::size_t bytes = m.topic.size() + m.payload.size();
    const std::size_t packet = publish_packet_size(m, settings_.mqtt5_sizes);
    const std::size_t max_packet = publisher_.max_packet_size();
    if ((settings_.max_message_size > 0 && m.payload.size() > settings_.max_message_size) ||
        (max_packet > 0 && packet > max_packet)) {
      DeadLetter why;
      why.reason = DeadLetterReason::too_large;
      why.detail = max_packet > 0 && packet > max_packet
                       ? "the PUBLISH would be " + std::to_string(packet) + " bytes; the remote takes at most " +
                             std::to_string(max_packet) + " (Maximum Packet Size)"
                       : "the payload is " + std::to_string(m.payload.size()) + " bytes; max_message_size is " +
                             std::to_string(settings_.max_message_size);
      send_to_dead_letters(*e, std::move(why));
      continue;
    }
    const auto wait = pacer_.delay(now, bytes);
    if (wait.count() > 0) {
      schedule_pump(std::min<Clock::duration>(wait, 1s));
      break;
    }
    PublishOutcome refusal;
    if (!publisher_.publish(conn, m, static_cast<std::uint64_t>(e->id), refusal)) {
      if (refusal.status == PublishStatus::refused) {  // the library refused the message itself
        DeadLetter why;
        why.reason = dead_letter_reason(refusal.reason_code);
        why.reason_code = refusal.reason_code;
        why.attempts = e->attempts;
        why.detail = refusal.detail;
        send_to_dead_letters(*e, std::move(why));
        continue;
      }
      break;  // the connection is going away; connection_lost() follows
    }
    pacer_.sent(now, bytes);
    e->state = State::inflight;
    e->attempts += 1;
    e->sent_at = now;
    ++inflight_;
    queue_.count_sent(1);
  }
  if (retry_at != Clock::time_point::max()) schedule_pump(retry_at - Clock::now());
  if (draining_) check_drain();
}

void Forwarder::send_to_dead_letters(Entry& e, DeadLetter why, bool pop) {
  std::uint64_t suppressed = 0;
  if (dead_letter_log_.allow(suppressed))
    spdlog::warn("Message refused for good; moved to the dead letters. remote={} topic=\"{}\" reason={}{} attempts={} "
                 "detail=\"{}\" suppressed={}",
                 remote_, echo_text(e.message.topic), to_string(why.reason),
                 why.reason_code != 0 ? " code=" + hex(why.reason_code) : std::string(), why.attempts, why.detail,
                 suppressed);
  if (on_dead_letter_) on_dead_letter_(remote_, e.message, why);
  queue_.dead_letter(e.id, std::move(why));
  release_one(e.id);
  finish(e);
  if (pop) pop_done();
}

void Forwarder::published(std::uint64_t token, const PublishOutcome& outcome) {
  const auto id = static_cast<std::int64_t>(token);
  if (auto g = groups_.find(id); g != groups_.end()) {
    if (g->second.inflight) batch_published(id, outcome);
    pump();
    return;
  }
  Entry* e = find(id);
  if (e == nullptr || e->state != State::inflight) return;  // an answer from an earlier connection
  switch (outcome.status) {
    case PublishStatus::acked:
      newest_acked_ = std::max(newest_acked_, id);
      if (id == suspect_id_) {
        if (strikes_ > 0)
          spdlog::info("The message blamed for closed connections was taken. remote={} topic=\"{}\"", remote_,
                       e->message.topic);
        suspect_id_ = 0;
        strikes_ = 0;
      }
      queue_.ack(id);
      release_one(id);
      finish(*e);
      pop_done();
      break;
    case PublishStatus::refused: {
      DeadLetter why;
      why.reason = dead_letter_reason(outcome.reason_code);
      why.reason_code = outcome.reason_code;
      why.attempts = e->attempts;
      why.detail = outcome.detail;
      --inflight_;
      e->state = State::waiting;  // send_to_dead_letters() finishes it
      send_to_dead_letters(*e, std::move(why));
      break;
    }
    case PublishStatus::transient: {
      --inflight_;
      e->state = State::waiting;
      // That message alone again, a little later; the others go on.
      e->not_before = Clock::now() + std::chrono::milliseconds(100 * std::min(e->attempts, 50));
      cursor_ = 0;
      if (outcome.reason_code == 0x97) pacer_.throttle(Clock::now());
      std::uint64_t suppressed = 0;
      if (transient_log_.allow(suppressed))
        spdlog::warn("Publish not taken now; sending it again. remote={} topic=\"{}\" reason={} detail=\"{}\" "
                     "suppressed={}",
                     remote_, echo_text(e->message.topic), hex(outcome.reason_code), outcome.detail, suppressed);
      break;
    }
  }
  pump();
}

void Forwarder::connected() {
  connection_ = publisher_.connection_id();
  newest_acked_ = 0;
  if (strikes_ > 0)
    spdlog::info("Sending the suspect message alone first. remote={} strikes={}/{}", remote_, strikes_,
                 settings_.closed_strikes);
  pump();
}

void Forwarder::connection_lost(const ConnectionEnd& end) {
  const auto now = Clock::now();
  // The oldest message in flight, when the broker closed the connection right
  // after it and took nothing after it was sent.
  Entry* suspect = nullptr;
  for (Entry& e : rows_)
    if (e.state == State::inflight) {
      suspect = &e;
      break;
    }
  // It was the oldest in flight, so everything before it was taken; the broker
  // took nothing sent after it either.
  const bool blame = settings_.closed_strikes > 0 && end.by_peer && !end.keepalive_timeout &&
                     end.disconnect_reason == 0 && suspect != nullptr &&
                     now - suspect->sent_at <= settings_.closed_window && newest_acked_ < suspect->id;
  // A batch is judged as one publish: its token stands for it.
  const std::int64_t suspect_token = suspect != nullptr ? token_of(*suspect) : 0;
  if (blame) {
    if (suspect_token == suspect_id_) {
      ++strikes_;
    } else {
      suspect_id_ = suspect_token;
      strikes_ = 1;
    }
    spdlog::warn("The remote closed the connection right after a publish. remote={} topic=\"{}\" strikes={}/{}",
                 remote_, echo_text(suspect->group != 0 ? suspect->message.batch->topic : suspect->message.topic),
                 strikes_, settings_.closed_strikes);
  } else if (suspect == nullptr || suspect_token != suspect_id_) {
    strikes_ = 0;
    suspect_id_ = 0;
  }
  if (end.throttled()) pacer_.throttle(now);

  for (Entry& e : rows_)
    if (e.state == State::inflight) e.state = State::waiting;
  for (auto& [token, group] : groups_) group.inflight = false;  // each goes again as it was
  inflight_ = 0;
  cursor_ = 0;
  connection_ = 0;

  if (blame && strikes_ >= settings_.closed_strikes) {
    DeadLetter why;
    why.reason = DeadLetterReason::closed_connection;
    why.attempts = suspect->attempts;
    why.detail = "the remote closed the connection right after this message " + std::to_string(strikes_) +
                 " times in a row";
    strikes_ = 0;
    suspect_id_ = 0;
    if (suspect->group != 0) {
      why.detail = "the remote closed the connection right after the batch that carried this message " +
                   std::to_string(settings_.closed_strikes) + " times in a row";
      dead_letter_group(suspect->group, why);
    } else {
      send_to_dead_letters(*suspect, std::move(why));
    }
  }
  if (draining_) check_drain();
}

ForwarderStatus Forwarder::status() const {
  ForwarderStatus s;
  s.in_memory = rows_.size();
  s.inflight = inflight_;
  s.strikes = strikes_;
  s.throttled_rate = pacer_.throttled_rate(Clock::now());
  return s;
}

}  // namespace edgebridge
