// The forwarder's batches (see forwarder.hpp): packing rows of a batch stream
// into one publish, what its outcome does to each row, and draining on stop.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/clocks.hpp"
#include "core/echo.hpp"
#include "outbox/batch_encoder.hpp"
#include "outbox/forwarder.hpp"

namespace edgebridge {

using namespace std::chrono_literals;

Forwarder::Stream Forwarder::canonical(const Stream& stream) const {
  for (const Stream& s : settings_.batches)
    if (s == stream || s->same_stream(*stream)) return s;
  return stream;  // not configured (any more): its own settings, the defaults for a row read back
}

const std::string& Forwarder::encoded(Entry& e) {
  if (e.encoded.empty())
    e.encoded = batch::encode_entry(e.message.topic, to_epoch_ms(e.message.received_at),
                                    settings_.entry_id_prefix + std::to_string(e.id), e.message.payload);
  return e.encoded;
}

std::size_t Forwarder::batch_limit(const BatchSpec& stream) const {
  std::size_t cap = settings_.max_message_size;  // 0: none of ours
  if (const std::size_t packet = publisher_.max_packet_size(); packet > 0) {
    // The PUBLISH around the payload: fixed header with a 4-byte length, topic,
    // packet id, properties.
    Message probe;
    probe.topic = stream.topic;
    probe.qos = 1;
    const std::size_t overhead = publish_packet_size(probe, settings_.mqtt5_sizes) + 3;
    const std::size_t packet_cap = packet > overhead ? packet - overhead : 1;
    cap = cap > 0 ? std::min(cap, packet_cap) : packet_cap;
  }
  if (auto it = learned_caps_.find(stream.topic); it != learned_caps_.end())
    cap = cap > 0 ? std::min(cap, it->second) : it->second;
  if (stream.max_bytes == 0) return batch::default_max_bytes(cap, stream.topic.size());
  return cap > 0 ? std::min(stream.max_bytes, cap) : stream.max_bytes;
}

Forwarder::Planned Forwarder::plan_group(Entry& first, BatchPlan& plan) {
  auto it = groups_.find(first.group);
  if (it == groups_.end()) {  // cannot happen: a row's group lives until the row is resolved
    first.group = 0;
    return Planned::again;
  }
  Group& g = it->second;
  std::vector<std::int64_t> still;
  for (std::int64_t id : g.ids) {
    Entry* e = find(id);
    if (e == nullptr || e->state != State::waiting) continue;  // resolved meanwhile (trimmed by drop_oldest)
    still.push_back(id);
    plan.entries.push_back(e);
  }
  if (still.empty()) {
    groups_.erase(it);
    return Planned::again;
  }
  g.ids = std::move(still);
  plan.stream = g.stream;
  plan.token = it->first;
  plan.regroup = true;
  return Planned::send;
}

Forwarder::Planned Forwarder::plan_batch(Entry& first, Clock::time_point now, BatchPlan& plan,
                                         Clock::time_point& retry_at) {
  if (first.group != 0) return plan_group(first, plan);
  const Stream stream = first.message.batch;
  const std::size_t limit = batch_limit(*stream);
  const auto sys_now = std::chrono::system_clock::now();
  const auto expired_before = settings_.ttl.count() > 0 ? sys_now - std::chrono::milliseconds(settings_.ttl.count())
                                                        : std::chrono::system_clock::time_point::min();
  auto it = std::lower_bound(rows_.begin(), rows_.end(), first.id,
                             [](const Entry& e, std::int64_t v) { return e.id < v; });
  std::size_t i = static_cast<std::size_t>(it - rows_.begin());
  std::size_t entry_bytes = 0;
  bool full = false, resolved = false;
  for (;;) {
    if (i >= rows_.size()) {
      if (!read_more()) break;  // everything of the stream that memory may hold is here
      continue;
    }
    Entry& x = rows_[i++];
    if (x.state != State::waiting || x.group != 0 || !x.message.batch) continue;
    if (x.message.batch != stream && !x.message.batch->same_stream(*stream)) continue;
    if (x.id > settled_upto_) break;  // not committed yet: the rows after it are not either
    if (x.message.received_at < expired_before) {
      release_one(x.id);  // expired: the writer's sweep deletes and counts it
      finish(x);
      resolved = true;
      continue;
    }
    const std::size_t size = encoded(x).size();
    if (batch::framed_size(stream->format, 1, size) > limit) {
      DeadLetter why;
      why.reason = DeadLetterReason::too_large;
      why.detail = "as a batch entry it is " + std::to_string(size) + " bytes; batches on " + stream->topic +
                   " take at most " + std::to_string(limit) + " payload bytes";
      send_to_dead_letters(x, std::move(why), false);
      resolved = true;
      continue;
    }
    if (batch::framed_size(stream->format, plan.entries.size() + 1, entry_bytes + size) > limit) {
      full = true;
      break;
    }
    plan.entries.push_back(&x);
    entry_bytes += size;
    if (plan.entries.size() >= stream->max_messages) {
      full = true;
      break;
    }
  }
  if (resolved) {  // look again without them (pop_done moves the rows)
    pop_done();
    return Planned::again;
  }
  if (plan.entries.empty()) return Planned::wait;  // its first rows are not committed yet: a notice pumps
  if (!full && !draining_) {
    const Entry& oldest = *plan.entries.front();
    const auto delay = std::chrono::duration_cast<Clock::duration>(stream->max_delay);
    // received_at unset (a message made without it): only the forwarder's own clock counts.
    const auto since_received = oldest.message.received_at == std::chrono::system_clock::time_point{}
                                    ? Clock::duration::zero()
                                    : std::chrono::duration_cast<Clock::duration>(sys_now - oldest.message.received_at);
    const auto waited = std::max(now - oldest.seen, since_received);
    if (waited < delay) {
      retry_at = std::min(retry_at, now + (delay - waited));
      return Planned::wait;
    }
  }
  plan.stream = stream;
  plan.token = plan.entries.front()->id;
  return Planned::send;
}

Forwarder::Sent Forwarder::send_batch(BatchPlan& plan, std::uint64_t conn, Clock::time_point now) {
  std::vector<std::string> entries;
  entries.reserve(plan.entries.size());
  int qos = 0;
  for (Entry* e : plan.entries) {
    entries.push_back(encoded(*e));
    qos = std::max(qos, e->message.qos);
  }
  Message m;
  m.topic = plan.stream->topic;
  m.payload = batch::join(plan.stream->format, entries);
  m.qos = qos;
  m.received_at = plan.entries.front()->message.received_at;
  const std::size_t payload_bytes = m.payload.size();
  const auto wait = pacer_.delay(now, m.topic.size() + payload_bytes);
  if (wait.count() > 0) {
    schedule_pump(std::min<Clock::duration>(wait, 1s));
    return Sent::paced;
  }
  if (!plan.regroup) {  // from now on these rows go together until they are resolved
    Group g;
    g.stream = plan.stream;
    for (Entry* e : plan.entries) {
      e->group = plan.token;
      g.ids.push_back(e->id);
    }
    groups_[plan.token] = std::move(g);
  }
  Group& g = groups_[plan.token];
  g.bytes = payload_bytes;
  PublishOutcome refusal;
  if (!publisher_.publish(conn, m, static_cast<std::uint64_t>(plan.token), refusal)) {
    if (refusal.status == PublishStatus::refused) {  // the library refused it itself (e.g. its size)
      for (Entry* e : plan.entries) e->attempts += 1;
      batch_refused(plan.token, refusal);
      return Sent::refused;
    }
    return Sent::gone;  // the connection is going away; connection_lost() follows
  }
  pacer_.sent(now, m.topic.size() + payload_bytes);
  for (Entry* e : plan.entries) {
    e->state = State::inflight;
    e->attempts += 1;
    e->sent_at = now;
  }
  g.inflight = true;
  ++inflight_;
  queue_.count_sent(plan.entries.size());
  queue_.count_batch(plan.entries.size(), payload_bytes);
  return Sent::ok;
}

void Forwarder::batch_published(std::int64_t token, const PublishOutcome& outcome) {
  Group& g = groups_.at(token);
  switch (outcome.status) {
    case PublishStatus::acked: {
      newest_acked_ = std::max(newest_acked_, g.ids.back());
      if (token == suspect_id_) {
        if (strikes_ > 0)
          spdlog::info("The batch blamed for closed connections was taken. remote={} topic=\"{}\"", remote_,
                       echo_text(g.stream->topic));
        suspect_id_ = 0;
        strikes_ = 0;
      }
      for (std::int64_t id : g.ids) {
        Entry* e = find(id);
        if (e == nullptr || e->state != State::inflight) continue;
        queue_.ack(id);
        release_one(id);
        e->state = State::done;  // not finish(): the batch, not each row, took a slot of the window
      }
      --inflight_;
      groups_.erase(token);
      pop_done();
      break;
    }
    case PublishStatus::refused: batch_refused(token, outcome); break;
    case PublishStatus::transient: {
      --inflight_;
      g.inflight = false;
      // The same batch again, a little later; the others go on.
      int attempts = 0;
      for (std::int64_t id : g.ids)
        if (Entry* e = find(id); e != nullptr && e->state == State::inflight) {
          e->state = State::waiting;
          attempts = std::max(attempts, e->attempts);
        }
      const auto not_before = Clock::now() + std::chrono::milliseconds(100 * std::min(attempts, 50));
      for (std::int64_t id : g.ids)
        if (Entry* e = find(id)) e->not_before = not_before;
      cursor_ = 0;
      if (outcome.reason_code == 0x97) pacer_.throttle(Clock::now());
      std::uint64_t suppressed = 0;
      if (transient_log_.allow(suppressed))
        spdlog::warn(
            "Batch not taken now; sending it again. remote={} topic=\"{}\" entries={} reason=0x{:02x} "
            "detail=\"{}\" suppressed={}",
            remote_, echo_text(g.stream->topic), g.ids.size(), outcome.reason_code, outcome.detail, suppressed);
      break;
    }
  }
}

void Forwarder::batch_refused(std::int64_t token, const PublishOutcome& outcome) {
  Group& g = groups_.at(token);
  if (g.inflight) --inflight_;
  g.inflight = false;
  for (std::int64_t id : g.ids)
    if (Entry* e = find(id); e != nullptr && e->state == State::inflight) e->state = State::waiting;
  cursor_ = 0;
  if (outcome.reason_code == 0x95 && g.ids.size() > 1) {
    // Larger than the remote takes (a limit it did not announce, e.g. Mosquitto's
    // message_size_limit): the same rows in two halves, and smaller batches from now on.
    const std::size_t refused_bytes = g.bytes;
    auto& cap = learned_caps_[g.stream->topic];
    if (cap == 0 || refused_bytes - 1 < cap) cap = refused_bytes > 1 ? refused_bytes - 1 : 1;
    spdlog::warn(
        "Batch refused as too large; sending its entries in two smaller batches. remote={} topic=\"{}\" "
        "entries={} bytes={} batches_now_below={}",
        remote_, echo_text(g.stream->topic), g.ids.size(), refused_bytes, cap + 1);
    Group second;
    second.stream = g.stream;
    const std::size_t half = g.ids.size() / 2;
    second.ids.assign(g.ids.begin() + static_cast<std::ptrdiff_t>(half), g.ids.end());
    g.ids.resize(half);
    const std::int64_t second_token = second.ids.front();
    for (std::int64_t id : second.ids)
      if (Entry* e = find(id)) e->group = second_token;
    groups_[second_token] = std::move(second);
    return;
  }
  DeadLetter why;
  why.reason = dead_letter_reason(outcome.reason_code);
  why.reason_code = outcome.reason_code;
  why.detail = "refused in a batch of " + std::to_string(g.ids.size()) + " on " + g.stream->topic + ": " +
               outcome.detail;
  dead_letter_group(token, why);
}

void Forwarder::dead_letter_group(std::int64_t token, const DeadLetter& why) {
  auto it = groups_.find(token);
  if (it == groups_.end()) return;
  const std::vector<std::int64_t> ids = it->second.ids;
  if (it->second.inflight) --inflight_;
  groups_.erase(it);
  for (std::int64_t id : ids) {
    Entry* e = find(id);
    if (e == nullptr || e->state == State::done) continue;
    if (e->state == State::inflight) e->state = State::waiting;
    DeadLetter one = why;
    one.attempts = e->attempts;
    send_to_dead_letters(*e, std::move(one), false);
  }
  pop_done();
}

bool Forwarder::batches_pending() const {
  for (const Entry& e : rows_)
    if (e.message.batch && e.state != State::done) return true;
  for (const Entry& e : tail_)
    if (e.message.batch) return true;
  // Rows not read back yet may be batched ones too, when this remote batches.
  return !settings_.batches.empty() && fetched_upto_ < settled_upto_;
}

void Forwarder::drain(std::chrono::milliseconds timeout, std::function<void()> done) {
  if (!started_ || publisher_.connection_id() == 0 || !batches_pending()) {
    if (done) done();
    return;
  }
  draining_ = true;
  drain_done_ = std::move(done);
  drain_deadline_ = Clock::now() + timeout;
  spdlog::debug("Sending the waiting batches before stopping. remote={}", remote_);
  pump();
  check_drain();
}

void Forwarder::check_drain() {
  if (!draining_ || !drain_done_) return;
  const bool finished = !batches_pending() || publisher_.connection_id() == 0 || Clock::now() >= drain_deadline_;
  if (finished) {
    if (drain_timer_ != 0) loop_.cancel(drain_timer_);
    drain_timer_ = 0;
    auto done = std::move(drain_done_);
    drain_done_ = nullptr;
    done();
    return;
  }
  if (drain_timer_ == 0)
    drain_timer_ = loop_.after(10ms, [this] {
      drain_timer_ = 0;
      check_drain();
    });
}

}  // namespace edgebridge
