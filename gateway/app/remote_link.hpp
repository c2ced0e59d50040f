#pragma once
// One cloud remote: its MQTT session (mutual TLS), its outbox FIFO and the
// forwarder between them. Messages routed to the remote enter here and only
// leave through the outbox.

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/ingress.hpp"
#include "mqtt/mqtt_session.hpp"
#include "outbox/forwarder.hpp"
#include "outbox/outbox.hpp"

namespace edgebridge {

class RemoteLink final : private Publisher {
 public:
  RemoteLink(const RemoteConfig& config, const GatewaySettings& gateway, OutboxQueue& queue, Ingress& ingress);
  ~RemoteLink() override;

  const std::string& name() const { return config_.name; }
  const RemoteConfig& config() const { return config_; }
  void set_subscriptions(std::vector<Subscription> subscriptions);
  void set_connect_gate(MqttSession::ConnectGate gate);
  void start();
  void stop();
  // A message routed to this remote: stored in the outbox (or, for QoS 0 with
  // store_qos0: false while the remote is down, dropped and counted).
  Delivery enqueue(Message message);
  // New TLS files on disk (certificate rotation): reconnect with them.
  void reload_tls(const TlsConfig& tls);

  LinkStatus status() const { return session_.status(); }
  OutboxCounters counters() const { return queue_.counters(); }

 private:
  std::uint64_t connection_id() const override { return session_.connection_id(); }
  int receive_maximum() const override { return session_.receive_maximum(); }
  bool publish(std::uint64_t connection_id, const Message& message, std::function<void(bool)> done) override {
    return session_.publish_tracked(connection_id, message, std::move(done));
  }

  RemoteConfig config_;
  OutboxQueue& queue_;
  MqttSession session_;
  Forwarder forwarder_;
};

}  // namespace edgebridge
