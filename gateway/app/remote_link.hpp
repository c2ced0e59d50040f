#pragma once
// One cloud remote: its MQTT connection (mutual TLS), its outbox queue and the
// forwarder between them. Messages routed to the remote enter here and only
// leave through the outbox.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/endpoints.hpp"
#include "mqtt/mqtt_client.hpp"
#include "outbox/forwarder.hpp"

namespace edgebridge {

class RemoteLink final : public RemoteEndpoint {
 public:
  RemoteLink(EventLoop& loop, const RemoteConfig& config, const GatewaySettings& gateway, OutboxQueue& queue,
             RemoteHooks hooks);
  ~RemoteLink() override;

  const std::string& name() const override { return config_.name; }
  void start() override;
  void stop(std::chrono::milliseconds timeout, StopDone done) override;
  void set_subscriptions(std::vector<Subscription> subscriptions) override;
  void when_subscribed(std::function<void(bool confirmed)> done) override { client_.when_subscribed(std::move(done)); }
  Delivery enqueue(Message message, std::uint64_t receipt) override;
  void reload_tls(const TlsConfig& tls) override;
  void set_service_subscriptions(std::vector<std::string> topics) override;
  bool publish_now(const Message& message) override;
  LinkStatus status() const override { return client_.status(); }
  OutboxCounters counters() const override { return queue_.counters(); }

 private:
  void on_message(Message message);
  void apply_subscriptions();

  RemoteConfig config_;
  OutboxQueue& queue_;
  RemoteHooks hooks_;
  std::vector<Subscription> routed_;      // what the topic mappings take from this remote
  std::set<std::string> service_topics_;  // the shadows' topics
  bool connected_ = false;
  MqttClient client_;
  Forwarder forwarder_;
};

}  // namespace edgebridge
