#include "outbox/forwarder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "outbox/log_limiter.hpp"
#include "outbox/pacer.hpp"

namespace edgebridge {

using namespace std::chrono_literals;

namespace {

// State shared with the `done` callbacks, which may outlive the forwarder.
struct Shared {
  std::mutex m;
  std::condition_variable cv;
  OutboxQueue* queue = nullptr;  // null once stopped: late callbacks do nothing
  std::uint64_t conn = 0;        // the connection the forwarder publishes on
  std::unordered_set<std::int64_t> inflight;  // published on `conn`, not yet done
  bool stop = false;
  bool changed = false;  // connection_changed() since the last look
  bool resend = false;   // a publish failed: start again from the oldest unacked row
  unsigned failures = 0; // consecutive failed publishes, for the backoff
};

void on_done(const std::weak_ptr<Shared>& weak, std::uint64_t conn, std::int64_t id, bool ok) {
  auto sh = weak.lock();
  if (!sh) return;
  {
    std::lock_guard<std::mutex> lock(sh->m);
    if (sh->queue == nullptr || sh->conn != conn) return;  // stopped, or an old connection's answer
    if (sh->inflight.erase(id) == 0) return;
    if (ok) {
      sh->queue->ack(id);
      sh->failures = 0;
    } else {
      sh->resend = true;
      ++sh->failures;
      sh->queue->wake();
    }
  }
  sh->cv.notify_all();
}

}  // namespace

struct Forwarder::Impl {
  Impl(std::string r, OutboxQueue& q, Publisher& p, ForwarderSettings s, SteadyClock c)
      : remote(std::move(r)),
        queue(q),
        publisher(p),
        settings(s),
        clock(std::move(c)),
        pacer(s.max_publish_rate, s.max_bytes_rate),
        shared(std::make_shared<Shared>()) {}

  void run();
  // Waits on the shared condition for at most `d`, or until stop or a
  // connection change. Returns false when stopping.
  bool pause(std::chrono::nanoseconds d);

  const std::string remote;
  OutboxQueue& queue;
  Publisher& publisher;
  const ForwarderSettings settings;
  const SteadyClock clock;
  Pacer pacer;
  std::shared_ptr<Shared> shared;
  std::thread thread;

  // Forwarder thread only.
  std::deque<OutboxRow> buffered;  // read, not yet published on this connection
  std::int64_t cursor = 0;         // highest id read on this connection
  LogLimiter publish_log;
};

bool Forwarder::Impl::pause(std::chrono::nanoseconds d) {
  std::unique_lock<std::mutex> lock(shared->m);
  shared->cv.wait_for(lock, d, [&] { return shared->stop || shared->changed || shared->resend; });
  shared->changed = false;
  return !shared->stop;
}

void Forwarder::Impl::run() {
  Shared& sh = *shared;
  auto empty_backoff = 1ms;
  bool rows_unreadable = false;  // the last wait_for_rows() said rows exist
  for (;;) {
    const std::uint64_t conn = publisher.connection_id();
    const int window = std::max(1, std::min(settings.inflight, publisher.receive_maximum()));
    unsigned failures = 0;
    {
      std::unique_lock<std::mutex> lock(sh.m);
      if (sh.stop) return;
      if (conn != sh.conn || sh.resend) {
        // A new connection (or a failed publish): forget what was in flight and
        // start again from the oldest row not yet acknowledged.
        if (sh.conn != 0 && conn != 0)
          spdlog::debug("Resending from the oldest unacknowledged row. remote={} connection={} in_flight={}", remote,
                        conn, sh.inflight.size());
        sh.conn = conn;
        sh.inflight.clear();
        failures = sh.resend ? sh.failures : 0;
        sh.resend = false;
        buffered.clear();
        cursor = 0;
        rows_unreadable = false;
      }
      if (conn == 0) {
        sh.cv.wait_for(lock, 1s, [&] { return sh.stop || sh.changed; });
        sh.changed = false;
        continue;
      }
      if (sh.inflight.size() >= static_cast<std::size_t>(window)) {
        sh.cv.wait_for(lock, 1s, [&] {
          return sh.stop || sh.changed || sh.resend || sh.inflight.size() < static_cast<std::size_t>(window);
        });
        sh.changed = false;
        continue;
      }
    }
    if (failures > 0) {  // publishes keep failing on a live connection: back off
      const auto backoff = std::min<std::chrono::milliseconds>(5000ms, 100ms * (1u << std::min(failures - 1, 6u)));
      if (!pause(backoff)) return;
    }

    if (buffered.empty()) {
      const auto want = static_cast<std::size_t>(std::clamp(window, 16, 256));
      std::vector<OutboxRow> rows = queue.read_after(cursor, want);
      if (rows.empty()) {
        // Rows may exist that cannot be read yet (acked or expired, delete not
        // yet committed; or a read error): when the last wait said rows were
        // there and still none could be read, retry soon, but never spin. A
        // new commit is read at once: a pause there would add to every
        // message's latency whenever the forwarder has caught up.
        if (rows_unreadable) {
          if (!pause(empty_backoff)) return;
          empty_backoff = std::min<std::chrono::milliseconds>(empty_backoff * 2, 100ms);
        }
        rows_unreadable = queue.wait_for_rows(cursor, 1000ms);
        continue;
      }
      rows_unreadable = false;
      empty_backoff = 1ms;
      cursor = rows.back().id;
      for (OutboxRow& row : rows) buffered.push_back(std::move(row));
    }

    const OutboxRow& row = buffered.front();
    const std::size_t bytes = row.message.topic.size() + row.message.payload.size();
    const auto now = clock();
    const auto wait = pacer.delay(now, bytes);
    if (wait.count() > 0) {
      if (!pause(std::min<std::chrono::nanoseconds>(wait, 1s))) return;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(sh.m);
      if (sh.stop) return;
      if (sh.conn != conn || sh.resend) continue;
      sh.inflight.insert(row.id);
    }
    pacer.sent(now, bytes);
    const std::int64_t id = row.id;
    std::weak_ptr<Shared> weak = shared;
    bool started = false;
    try {
      started = publisher.publish(conn, row.message, [weak, conn, id](bool ok) { on_done(weak, conn, id, ok); });
    } catch (const std::exception& e) {
      std::uint64_t suppressed = 0;
      if (publish_log.allow(suppressed))
        spdlog::warn("Publish failed. remote={} error=\"{}\" suppressed={}", remote, e.what(), suppressed);
    }
    if (!started) {
      {
        std::lock_guard<std::mutex> lock(sh.m);
        sh.inflight.erase(id);
      }
      if (!pause(100ms)) return;  // the connection is likely going away; try again
      continue;
    }
    queue.count_sent(1);
    buffered.pop_front();
  }
}

Forwarder::Forwarder(std::string remote, OutboxQueue& queue, Publisher& publisher, ForwarderSettings settings,
                     SteadyClock clock)
    : impl_(std::make_unique<Impl>(std::move(remote), queue, publisher, settings, std::move(clock))) {}

Forwarder::~Forwarder() { stop(); }

void Forwarder::start() {
  if (impl_->thread.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(impl_->shared->m);
    impl_->shared->stop = false;
    impl_->shared->queue = &impl_->queue;
    impl_->shared->conn = 0;
    impl_->shared->inflight.clear();
  }
  spdlog::info("Forwarder started. remote={} inflight={} rate={}", impl_->remote, impl_->settings.inflight,
               format_rate(impl_->settings.max_publish_rate));
  impl_->thread = std::thread([this] { impl_->run(); });
}

void Forwarder::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->shared->m);
    impl_->shared->stop = true;
    impl_->shared->queue = nullptr;  // acknowledgements after this are not recorded
  }
  impl_->shared->cv.notify_all();
  impl_->queue.wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void Forwarder::connection_changed() {
  {
    std::lock_guard<std::mutex> lock(impl_->shared->m);
    impl_->shared->changed = true;
  }
  impl_->shared->cv.notify_all();
  impl_->queue.wake();
}

}  // namespace edgebridge
