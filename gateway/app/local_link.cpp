#include "app/local_link.hpp"

#include <spdlog/spdlog.h>

namespace edgebridge {

namespace {

ClientOptions local_options(const Config& c) {
  ClientOptions o;
  o.label = "local";
  o.url = c.local.url;
  o.client_id = c.local.client_id;
  o.username = c.local.username;
  o.password = c.local.password;
  o.keepalive = c.local.keepalive;
  o.protocol = c.local.protocol;
  // A persistent session: messages published while we restart wait in the broker.
  o.persistent_session = true;
  o.session_expiry = c.local.session_expiry;
  // The broker may send this many unacknowledged: ahead of its queue limit.
  o.receive_maximum = 65535;
  o.reconnect = c.local.reconnect;
  o.status_topic = c.gateway.status_topic;
  o.max_buffered = static_cast<std::size_t>(std::max(0, c.local.max_buffered));
  o.gated_writes = true;
  return o;
}

}  // namespace

LocalLink::LocalLink(EventLoop& loop, const Config& config, OutboxStore& store, Handler handler,
                     LocalHoldTiming timing)
    : loop_(loop),
      store_(store),
      handler_(std::move(handler)),
      timing_(timing),
      client_(loop, local_options(config), [this](Message m) { on_message(std::move(m)); }) {
  client_.set_write_gate([this] { return book_.settled(); });
  book_.on_settled([this] { settled(); });
  book_.on_release([this] {
    // Only what is in flight is left: commit it instead of waiting for it.
    if (barrier_ && !committing_ && book_.size() <= timing_.commit_below) {
      committing_ = true;
      store_.commit_soon();
    }
  });
  client_.on_connection_change([this] {
    if (client_.connected()) return;
    // The PUBACKs queued on the old connection are gone; the broker sends those
    // messages again on the next one.
    book_.reset();
    end_barrier();
  });
}

LocalLink::~LocalLink() {
  if (barrier_timer_ != 0) loop_.cancel(barrier_timer_);
  if (drain_timer_ != 0) loop_.cancel(drain_timer_);
}

void LocalLink::start() { client_.start(); }

void LocalLink::set_subscriptions(std::vector<Subscription> subscriptions) {
  client_.set_subscriptions(std::move(subscriptions));
}

bool LocalLink::publish(const Message& message) { return client_.publish(message); }

void LocalLink::on_message(Message message) {
  if (message.qos == 0) {
    handler_(std::move(message), 0);
    return;
  }
  const std::uint64_t receipt = book_.open();
  handler_(std::move(message), receipt);
  book_.close(receipt);
  if (!book_.settled()) arm_barrier();
}

void LocalLink::arm_barrier() {
  if (barrier_ || barrier_timer_ != 0) return;
  const auto oldest = book_.oldest();
  if (!oldest) return;
  const auto due = *oldest + timing_.hold;
  const auto now = ReceiptBook::Clock::now();
  barrier_timer_ = loop_.after(due > now ? due - now : ReceiptBook::Clock::duration::zero(), [this] {
    barrier_timer_ = 0;
    if (book_.settled()) return;
    const auto oldest_now = book_.oldest();
    if (oldest_now && ReceiptBook::Clock::now() - *oldest_now < timing_.hold) {
      arm_barrier();  // the old ones were released meanwhile
      return;
    }
    // Take no more until what we hold is acknowledged by its remote or committed;
    // then every PUBACK goes.
    barrier_ = true;
    barrier_since_ = ReceiptBook::Clock::now();
    spdlog::trace("Local PUBACKs held: reading paused. held={}", book_.size());
    update_reading();
    watch_drain();
  });
}

void LocalLink::watch_drain() {
  drain_timer_ = loop_.after(timing_.stall, [this] {
    drain_timer_ = 0;
    if (!barrier_ || book_.settled()) return;
    const auto now = ReceiptBook::Clock::now();
    const bool stalled = now - std::max(book_.last_release(), barrier_since_) >= timing_.stall;
    if (stalled || now - barrier_since_ >= timing_.max_pause) {
      committing_ = true;
      spdlog::trace("Local PUBACKs held: committing. held={} stalled={} paused_ms={}", book_.size(), stalled,
                    std::chrono::duration_cast<std::chrono::milliseconds>(now - barrier_since_).count());
      store_.commit_soon();  // its notices release the rest
      return;
    }
    watch_drain();
  });
}

void LocalLink::end_barrier() {
  barrier_ = false;
  committing_ = false;
  if (barrier_timer_ != 0) loop_.cancel(barrier_timer_);
  if (drain_timer_ != 0) loop_.cancel(drain_timer_);
  barrier_timer_ = drain_timer_ = 0;
  update_reading();
}

void LocalLink::settled() {
  client_.flush();
  if (barrier_) end_barrier();
}

void LocalLink::pause_reading(bool paused) {
  pressure_ = paused;
  update_reading();
}

void LocalLink::update_reading() { client_.pause_reading(barrier_ || pressure_ || stopping_); }

void LocalLink::stop(std::chrono::milliseconds timeout, StopDone done) {
  stopping_ = true;
  end_barrier();
  // The status "offline" and the DISCONNECT go out after the held PUBACKs the
  // outbox released; what it did not release in time is sent again by the
  // broker at the next start.
  store_.commit_soon();
  client_.stop(timeout, std::move(done));
}

}  // namespace edgebridge
