#include "app/remote_link.hpp"

namespace edgebridge {
namespace {

SessionOptions session_options(const RemoteConfig& r, const GatewaySettings& gateway) {
  SessionOptions o;
  o.label = "remote=" + r.name;
  o.url = r.url;
  o.client_id = r.client_id;
  o.tls = r.tls;
  o.username = r.username;
  o.password = r.password;
  o.keepalive = r.keepalive;
  o.connect_timeout = r.connect_timeout;
  o.protocol = r.protocol;
  o.persistent_session = !r.clean_session;
  o.session_expiry = Duration(3'600'000);
  o.reconnect = r.reconnect;
  o.status_topic = gateway.status_topic;
  return o;
}

ForwarderSettings forwarder_settings(const RemoteConfig& r) {
  ForwarderSettings s;
  s.inflight = r.inflight;
  s.max_publish_rate = r.max_publish_rate;
  s.max_bytes_rate = r.max_bytes_rate;
  return s;
}

}  // namespace

RemoteLink::RemoteLink(const RemoteConfig& config, const GatewaySettings& gateway, OutboxQueue& queue,
                       Ingress& ingress)
    : config_(config),
      queue_(queue),
      session_(session_options(config, gateway),
               [&ingress, name = config.name](Message m) { ingress.ingest(Source::remote(name), std::move(m)); }),
      forwarder_(config.name, queue, *this, forwarder_settings(config)) {
  session_.on_connection_change([this] { forwarder_.connection_changed(); });
}

RemoteLink::~RemoteLink() { stop(); }

void RemoteLink::set_subscriptions(std::vector<Subscription> subscriptions) {
  session_.set_subscriptions(std::move(subscriptions));
}

void RemoteLink::set_connect_gate(MqttSession::ConnectGate gate) { session_.set_connect_gate(std::move(gate)); }

void RemoteLink::start() {
  forwarder_.start();
  session_.start();
}

void RemoteLink::stop() {
  forwarder_.stop();
  session_.stop();
}

Delivery RemoteLink::enqueue(Message message) {
  if (message.qos == 0 && !config_.store_qos0 && session_.connection_id() == 0) {
    queue_.count_drop(DropReason::qos0_offline);
    return Delivery::error;
  }
  return queue_.enqueue(std::move(message));
}

void RemoteLink::reload_tls(const TlsConfig& tls) {
  config_.tls = tls;
  session_.reconnect_now(tls);
}

}  // namespace edgebridge
