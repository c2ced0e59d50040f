#pragma once
// The local broker connection: a persistent session (messages published while
// we restart wait in the broker), a large Receive Maximum (the broker sends
// ahead instead of queueing, so its own queue limit drops nothing while we
// keep up), and PUBACKs held until the outbox released the messages they
// acknowledge (receipt_book.hpp).
//
// libmosquitto writes the PUBACKs in arrival order, so one that waits holds
// back the ones after it: when the oldest held message waited `hold`, the link
// stops reading ("barrier") and the remotes acknowledge what is in flight; when
// they stall (nothing acknowledged for `stall`: a slow or absent remote) or
// reading has been paused for `max_pause`, or only the last few in flight are
// left (`commit_below`), the outbox commits what is left.
// Either way every held PUBACK then goes out and reading resumes. With a healthy remote no message is written to disk at all; the
// local broker keeps the messages until then (a large Receive Maximum, so it
// sends them ahead instead of queueing them).

#include <chrono>

#include "app/endpoints.hpp"
#include "app/receipt_book.hpp"
#include "mqtt/mqtt_client.hpp"

namespace edgebridge {

class LocalLink final : public LocalEndpoint {
 public:
  LocalLink(EventLoop& loop, const Config& config, OutboxStore& store, Handler handler, LocalHoldTiming timing);
  ~LocalLink() override;

  void start() override;
  void stop(std::chrono::milliseconds timeout, StopDone done) override;
  void set_subscriptions(std::vector<Subscription> subscriptions) override;
  void when_subscribed(std::function<void(bool confirmed)> done) override { client_.when_subscribed(std::move(done)); }
  bool publish(const Message& message) override;
  ReleaseSink& releases() override { return book_; }
  void pause_reading(bool paused) override;
  LinkStatus status() const override { return client_.status(); }

 private:
  void on_message(Message message);
  void arm_barrier();
  void settled();
  void end_barrier();
  void watch_drain();
  void update_reading();

  EventLoop& loop_;
  OutboxStore& store_;
  Handler handler_;
  const LocalHoldTiming timing_;
  ReceiptBook book_;
  MqttClient client_;
  bool barrier_ = false;     // reading paused until the held PUBACKs may go
  bool committing_ = false;  // and the outbox was asked to commit what is left
  bool pressure_ = false;  // the outbox asked us to stop reading
  EventLoop::TimerId barrier_timer_ = 0;
  EventLoop::TimerId drain_timer_ = 0;
  ReceiptBook::Clock::time_point barrier_since_{};
  bool stopping_ = false;
};

}  // namespace edgebridge
