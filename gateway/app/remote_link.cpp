#include "app/remote_link.hpp"

#include <algorithm>

namespace edgebridge {
namespace {

ClientOptions client_options(const RemoteConfig& r, const GatewaySettings& gateway) {
  ClientOptions o;
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

ForwarderSettings forwarder_settings(const RemoteConfig& r, const GatewaySettings& gateway) {
  ForwarderSettings s;
  s.inflight = r.inflight;
  s.max_publish_rate = r.max_publish_rate;
  s.max_bytes_rate = r.max_bytes_rate;
  s.max_message_size = r.max_message_size;
  s.closed_strikes = r.dead_letter_after_closes;
  s.store_qos0 = r.store_qos0;
  s.durability = gateway.durability;
  s.mqtt5_sizes = r.protocol != MqttProtocol::v311;
  s.ttl = r.outbox.ttl;
  s.batches = r.batches;
  s.entry_id_prefix = gateway.id + ":" + r.name + ":";
  return s;
}

}  // namespace

RemoteLink::RemoteLink(EventLoop& loop, const RemoteConfig& config, const GatewaySettings& gateway, OutboxQueue& queue,
                       const RemoteHooks& hooks)
    : config_(config),
      queue_(queue),
      client_(loop, client_options(config, gateway),
              [on_message = hooks.on_message, name = config.name](Message m) {
                if (on_message) on_message(name, std::move(m));
              }),
      forwarder_(config.name, loop, queue, client_, forwarder_settings(config, gateway), hooks.releases,
                 hooks.on_dead_letter) {
  client_.set_publish_listener(&forwarder_);
  if (hooks.connect_gate) client_.set_connect_gate(hooks.connect_gate);
}

RemoteLink::~RemoteLink() { forwarder_.stop(); }

void RemoteLink::set_subscriptions(std::vector<Subscription> subscriptions) {
  client_.set_subscriptions(std::move(subscriptions));
}

void RemoteLink::start() {
  forwarder_.start();
  client_.start();
}

void RemoteLink::stop(std::chrono::milliseconds timeout, StopDone done) {
  // Batches waiting for max_delay go now, within half the time; then "offline"
  // and the DISCONNECT within the rest.
  const auto started = std::chrono::steady_clock::now();
  forwarder_.drain(timeout / 2, [this, started, timeout, done = std::move(done)]() mutable {
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                             started);
    forwarder_.stop();
    client_.stop(std::max(timeout - spent, timeout / 2), std::move(done));
  });
}

Delivery RemoteLink::enqueue(Message message, std::uint64_t receipt) {
  return forwarder_.accept(std::move(message), receipt);
}

void RemoteLink::reload_tls(const TlsConfig& tls) {
  config_.tls = tls;
  client_.reconnect_now(tls);
}

}  // namespace edgebridge
