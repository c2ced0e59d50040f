#pragma once
// The forwarder on a real event loop and a real outbox, against a fake
// connection the test answers by hand (PUBACKs, refusals, lost connections).
// Shared by forwarder_test.cpp and forwarder_batch_test.cpp.

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "outbox/forwarder.hpp"
#include "outbox_test_support.hpp"

namespace edgebridge::test {

using namespace std::chrono_literals;

// Plays the remote connection (loop thread): records every publish; the test
// decides when, and with what outcome, each is answered.
class FakeConnection : public Publisher {
 public:
  struct Publish {
    std::uint64_t conn;
    std::uint64_t token;
    std::string payload;
    bool answered = false;
    std::string topic;
    int qos = 1;
  };

  std::uint64_t connection_id() const override { return conn_; }
  int send_window() const override { return receive_maximum_; }
  std::size_t max_packet_size() const override { return max_packet_; }
  bool publish(std::uint64_t conn, const Message& message, std::uint64_t token, PublishOutcome&) override {
    if (conn != conn_ || conn == 0) return false;
    if (on_publish_) on_publish_(message);
    log_.push_back({conn, token, message.payload, false, message.topic, message.qos});
    std::size_t waiting = 0;
    for (const auto& p : log_)
      if (p.conn == conn && !p.answered) ++waiting;
    max_waiting_ = std::max(max_waiting_, waiting);
    if (auto_ack_) pending_auto_.push_back(log_.size() - 1);
    return true;
  }

  std::uint64_t conn_ = 0;
  int receive_maximum_ = 65535;
  std::size_t max_packet_ = 0;
  bool auto_ack_ = false;
  std::function<void(const Message&)> on_publish_;  // sees each publish as it is made
  std::vector<Publish> log_;
  std::vector<std::size_t> pending_auto_;
  std::size_t max_waiting_ = 0;
};

inline std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(std::to_string(i));
  return out;
}

class CountingReleases : public ReleaseSink {
 public:
  void hold(std::uint64_t receipt) override { ++holds[receipt]; }
  void release(std::uint64_t receipt) override { ++releases[receipt]; }
  std::map<std::uint64_t, int> holds, releases;
};

// A loop on its own thread, a store, a fake connection and a forwarder; every
// call on the forwarder or the connection goes through the loop (call()).
struct Fixture {
  explicit Fixture(ForwarderSettings s = {}, OutboxOptions o = {}) : settings(std::move(s)) {
    if (o.path.empty()) o = options_for(dir);
    store = std::make_unique<OutboxStore>(o);
    queue = &store->queue("ops", OutboxLimits{});
  }
  ~Fixture() {
    loop.call([this] { fwd.reset(); });
    loop.stop();
    thread.join();
  }

  void start() {
    loop.call([this] {
      fwd = std::make_unique<Forwarder>("ops", loop, *queue, conn, settings, &releases,
                                        [this](const std::string&, const Message& m, const DeadLetter& why) {
                                          dead.emplace_back(m.payload, why.reason);
                                        });
      fwd->start();
    });
  }
  // Messages from before: committed before the forwarder starts.
  void stored(int from, int to) {
    for (int i = from; i <= to; ++i) REQUIRE(put(*queue, make_message("t", std::to_string(i))) == Delivery::ok);
    store->flush();
  }
  // Messages of any shape (a batch stream's), accepted in order.
  void accept_each(const std::vector<Message>& messages, std::uint64_t receipt = 0) {
    loop.call([&] {
      for (const Message& m : messages) fwd->accept(m, receipt);
    });
  }
  void store_each(const std::vector<Message>& messages) {
    for (const Message& m : messages) REQUIRE(put(*queue, m) == Delivery::ok);
    store->flush();
  }
  std::vector<FakeConnection::Publish> log(std::uint64_t on_conn = 0) {
    std::vector<FakeConnection::Publish> out;
    loop.call([&] {
      for (const auto& p : conn.log_)
        if (on_conn == 0 || p.conn == on_conn) out.push_back(p);
    });
    return out;
  }
  void accept(int from, int to, std::uint64_t receipt = 0) {
    loop.call([&] {
      for (int i = from; i <= to; ++i) fwd->accept(make_message("t", std::to_string(i)), receipt);
    });
  }
  void connect(std::uint64_t id) {
    loop.call([&] {
      conn.conn_ = id;
      fwd->connected();
    });
  }
  void lose_connection(ConnectionEnd end = {}) {
    loop.call([&] {
      conn.conn_ = 0;
      fwd->connection_lost(end);
    });
  }
  // Answers publish number `i` (0-based, in the order they were made).
  void answer(std::size_t i, PublishOutcome outcome = {}) {
    loop.call([&] {
      auto& p = conn.log_.at(i);
      p.answered = true;
      fwd->published(p.token, outcome);
    });
  }
  void auto_ack(bool on) {
    loop.call([&] { conn.auto_ack_ = on; });
    drain_auto();
  }
  // Answers what auto-ack queued, until nothing more comes.
  void drain_auto() {
    for (int round = 0; round < 100000; ++round) {
      bool more = false;
      loop.call([&] {
        auto pending = std::move(conn.pending_auto_);
        conn.pending_auto_.clear();
        for (std::size_t i : pending) {
          if (conn.log_[i].conn != conn.conn_) continue;
          conn.log_[i].answered = true;
          fwd->published(conn.log_[i].token, PublishOutcome{});
          more = true;
        }
        if (conn.auto_ack_)
          for (std::size_t i = 0; i < conn.log_.size(); ++i)
            if (!conn.log_[i].answered && conn.log_[i].conn == conn.conn_) {
              conn.log_[i].answered = true;
              fwd->published(conn.log_[i].token, PublishOutcome{});
              more = true;
            }
      });
      if (!more) return;
    }
  }
  std::size_t published() {
    std::size_t n = 0;
    loop.call([&] { n = conn.log_.size(); });
    return n;
  }
  bool wait_published(std::size_t n, std::chrono::milliseconds timeout = 5000ms) {
    return eventually([&] { return published() >= n; }, timeout);
  }
  std::vector<std::string> payloads(std::uint64_t on_conn = 0) {
    std::vector<std::string> out;
    loop.call([&] {
      for (const auto& p : conn.log_)
        if (on_conn == 0 || p.conn == on_conn) out.push_back(p.payload);
    });
    return out;
  }
  std::size_t max_waiting() {
    std::size_t n = 0;
    loop.call([&] { n = conn.max_waiting_; });
    return n;
  }
  std::uint64_t depth() {
    store->flush();
    return queue->counters().depth;
  }

  ScratchDir dir;
  ForwarderSettings settings;
  std::unique_ptr<OutboxStore> store;
  OutboxQueue* queue = nullptr;
  FakeConnection conn;
  CountingReleases releases;
  std::vector<std::pair<std::string, DeadLetterReason>> dead;
  std::unique_ptr<Forwarder> fwd;
  EventLoop loop;
  std::thread thread{[this] { loop.run(); }};
};

inline ForwarderSettings window(int inflight) {
  ForwarderSettings s;
  s.inflight = inflight;
  return s;
}

inline PublishOutcome refused(int code) { return classify_puback(code); }

}  // namespace edgebridge::test
