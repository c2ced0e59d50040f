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
                       RemoteHooks hooks)
    : config_(config),
      queue_(queue),
      hooks_(std::move(hooks)),
      client_(loop, client_options(config, gateway), [this](Message m) { on_message(std::move(m)); }),
      forwarder_(config.name, loop, queue, client_, forwarder_settings(config, gateway), hooks_.releases,
                 hooks_.on_dead_letter) {
  client_.set_publish_listener(&forwarder_);
  if (hooks_.connect_gate) client_.set_connect_gate(hooks_.connect_gate);
  client_.on_connection_change([this] {
    const bool up = client_.connected();
    if (up == connected_) return;
    connected_ = up;
    if (hooks_.on_link_change) hooks_.on_link_change(config_.name, up);
  });
}

RemoteLink::~RemoteLink() { forwarder_.stop(); }

void RemoteLink::on_message(Message message) {
  if (service_topics_.count(message.topic)) {
    if (hooks_.on_service_message) hooks_.on_service_message(config_.name, std::move(message));
    return;
  }
  if (hooks_.on_message) hooks_.on_message(config_.name, std::move(message));
}

void RemoteLink::set_subscriptions(std::vector<Subscription> subscriptions) {
  routed_ = std::move(subscriptions);
  apply_subscriptions();
}

void RemoteLink::set_service_subscriptions(std::vector<std::string> topics) {
  std::set<std::string> next(topics.begin(), topics.end());
  if (next == service_topics_) return;
  service_topics_ = std::move(next);
  apply_subscriptions();
}

void RemoteLink::apply_subscriptions() {
  std::vector<Subscription> all = routed_;
  for (const auto& topic : service_topics_) {
    const bool routed = std::any_of(all.begin(), all.end(), [&](const Subscription& s) { return s.filter == topic; });
    if (!routed) all.push_back({topic, 1});
  }
  client_.set_subscriptions(std::move(all));
}

bool RemoteLink::publish_now(const Message& message) {
  if (!connected_ || !client_.connected()) return false;
  return client_.publish(message);
}

void RemoteLink::start() {
  forwarder_.start();
  client_.start();
}

void RemoteLink::stop(std::chrono::milliseconds timeout, StopDone done) {
  if (connected_) {  // what listens hears it now: nothing is published on this link any more
    connected_ = false;
    if (hooks_.on_link_change) hooks_.on_link_change(config_.name, false);
  }
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
