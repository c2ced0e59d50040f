#pragma once
// The local broker connection: a persistent session (messages published while
// we restart wait in the broker), a large Receive Maximum (the broker sends
// ahead instead of queueing, so its own queue limit drops nothing while we
// keep up), and PUBACKs held until the outbox released the messages they
// acknowledge (receipt_book.hpp).
//
// When the oldest held message waited commit_delay, the link stops reading,
// asks the outbox to commit at once, and writes the PUBACKs when the commit
// released them ("barrier"); most messages are acknowledged by their remote
// sooner and never written to disk.

#include <chrono>

#include "app/endpoints.hpp"
#include "app/receipt_book.hpp"
#include "mqtt/mqtt_client.hpp"

namespace edgebridge {

class LocalLink final : public LocalEndpoint {
 public:
  LocalLink(EventLoop& loop, const Config& config, OutboxStore& store, Handler handler,
            std::chrono::milliseconds commit_delay);
  ~LocalLink() override;

  void start() override;
  void stop(std::chrono::milliseconds timeout, StopDone done) override;
  void set_subscriptions(std::vector<Subscription> subscriptions) override;
  bool publish(const Message& message) override;
  ReleaseSink& releases() override { return book_; }
  void pause_reading(bool paused) override;
  LinkStatus status() const override { return client_.status(); }

 private:
  void on_message(Message message);
  void arm_barrier();
  void settled();
  void update_reading();

  EventLoop& loop_;
  OutboxStore& store_;
  Handler handler_;
  const std::chrono::milliseconds commit_delay_;
  ReceiptBook book_;
  MqttClient client_;
  bool barrier_ = false;   // waiting for a commit to release the held PUBACKs
  bool pressure_ = false;  // the outbox asked us to stop reading
  EventLoop::TimerId barrier_timer_ = 0;
  bool stopping_ = false;
};

}  // namespace edgebridge
