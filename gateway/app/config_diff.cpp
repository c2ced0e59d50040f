#include "app/config_diff.hpp"

#include <algorithm>

namespace edgebridge {
namespace {

bool same(const ReconnectPolicy& a, const ReconnectPolicy& b) {
  return a.min_delay == b.min_delay && a.max_delay == b.max_delay && a.stable_after == b.stable_after;
}

bool same(const Url& a, const Url& b) { return a.scheme == b.scheme && a.host == b.host && a.port == b.port; }

bool same(const TlsConfig& a, const TlsConfig& b) {
  return a.ca_file == b.ca_file && a.cert_file == b.cert_file && a.key_file == b.key_file && a.alpn == b.alpn &&
         a.verify_hostname == b.verify_hostname && a.insecure == b.insecure;
}

bool same(const OutboxLimits& a, const OutboxLimits& b) {
  return a.max_messages == b.max_messages && a.max_bytes == b.max_bytes && a.overflow == b.overflow &&
         a.ttl == b.ttl;
}

bool same(const Rate& a, const Rate& b) { return a.per_second == b.per_second; }

bool same_batch(const std::shared_ptr<const BatchSpec>& a, const std::shared_ptr<const BatchSpec>& b) {
  return a == b || (a && b && *a == *b);
}

bool same_batches(const std::vector<std::shared_ptr<const BatchSpec>>& a,
                  const std::vector<std::shared_ptr<const BatchSpec>>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_batch);
}

bool same_mapping(const TopicMapping& a, const TopicMapping& b) {
  return a.pattern == b.pattern && a.direction == b.direction && a.qos == b.qos && a.local_prefix == b.local_prefix &&
         a.remote_prefix == b.remote_prefix && a.remotes == b.remotes && same_batch(a.batch, b.batch);
}

void restart_key(ConfigDiff& d, bool differs, const char* key) {
  if (differs) d.restart_keys.emplace_back(key);
}

}  // namespace

bool same_remote(const RemoteConfig& a, const RemoteConfig& b) {
  return a.name == b.name && same(a.url, b.url) && a.client_id == b.client_id && same(a.tls, b.tls) &&
         a.username == b.username && a.password == b.password && a.keepalive == b.keepalive &&
         a.connect_timeout == b.connect_timeout && a.protocol == b.protocol && a.clean_session == b.clean_session &&
         same(a.max_publish_rate, b.max_publish_rate) && same(a.max_bytes_rate, b.max_bytes_rate) &&
         a.inflight == b.inflight && a.store_qos0 == b.store_qos0 && same(a.outbox, b.outbox) &&
         same(a.reconnect, b.reconnect) && a.max_message_size == b.max_message_size &&
         a.dead_letter_after_closes == b.dead_letter_after_closes && same_batches(a.batches, b.batches);
}

bool same_topics(const std::vector<TopicMapping>& a, const std::vector<TopicMapping>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_mapping);
}

bool ConfigDiff::empty() const {
  return restart_keys.empty() && !routes_changed && remotes_added.empty() && remotes_removed.empty() &&
         remotes_changed.empty() && devices_added.empty() && devices_removed.empty() && devices_changed.empty() &&
         !rules_changed && !log_level_changed && !tls_check_interval_changed;
}

ConfigDiff diff_config(const Config& running, const Config& next) {
  ConfigDiff d;
  const auto& g0 = running.gateway;
  const auto& g1 = next.gateway;
  restart_key(d, g0.id != g1.id, "gateway.id");
  restart_key(d, g0.state_dir != g1.state_dir, "gateway.state_dir");
  restart_key(d, g0.durability != g1.durability, "gateway.durability");
  restart_key(d, g0.status_topic != g1.status_topic, "gateway.status_topic");
  const bool same_metrics = g0.metrics.has_value() == g1.metrics.has_value() &&
                            (!g0.metrics || (g0.metrics->host == g1.metrics->host && g0.metrics->port == g1.metrics->port));
  restart_key(d, !same_metrics, "gateway.metrics");
  restart_key(d, g0.health_grace != g1.health_grace, "gateway.health_grace");
  restart_key(d, g0.stats_interval != g1.stats_interval, "gateway.stats_interval");
  restart_key(d, g0.stats_topic != g1.stats_topic, "gateway.stats_topic");
  restart_key(d, g0.dead_letter_topic != g1.dead_letter_topic, "gateway.dead_letter_topic");
  restart_key(d, g0.max_dead_letters != g1.max_dead_letters, "gateway.max_dead_letters");
  const auto& l0 = running.local;
  const auto& l1 = next.local;
  restart_key(d, !same(l0.url, l1.url), "local.url");
  restart_key(d, l0.client_id != l1.client_id, "local.client_id");
  restart_key(d, l0.username != l1.username, "local.username");
  restart_key(d, l0.password != l1.password, "local.password");
  restart_key(d, l0.keepalive != l1.keepalive, "local.keepalive");
  restart_key(d, l0.protocol != l1.protocol, "local.protocol");
  restart_key(d, l0.session_expiry != l1.session_expiry, "local.session_expiry");
  restart_key(d, l0.max_buffered != l1.max_buffered, "local.max_buffered");
  restart_key(d, !same(l0.reconnect, l1.reconnect), "local.reconnect");
  d.log_level_changed = g0.log_level != g1.log_level;
  d.tls_check_interval_changed = g0.tls_check_interval != g1.tls_check_interval;

  d.routes_changed = !same_topics(running.topics, next.topics);

  for (const auto& r : next.remotes) {
    const RemoteConfig* old = running.find_remote(r.name);
    if (!old)
      d.remotes_added.push_back(r.name);
    else if (!same_remote(*old, r))
      d.remotes_changed.push_back(r.name);
    else
      d.remotes_unchanged.push_back(r.name);
  }
  for (const auto& r : running.remotes)
    if (!next.find_remote(r.name)) d.remotes_removed.push_back(r.name);

  for (const auto& dev : next.devices) {
    const DeviceConfig* old = running.find_device(dev.name);
    if (!old)
      d.devices_added.push_back(dev.name);
    else if (old->type != dev.type || old->fingerprint != dev.fingerprint)
      d.devices_changed.push_back(dev.name);
  }
  for (const auto& dev : running.devices)
    if (!next.find_device(dev.name)) d.devices_removed.push_back(dev.name);

  d.rules_changed = running.rules_fingerprint != next.rules_fingerprint;
  return d;
}

Config live_config(const Config& running, Config next) {
  const std::string log_level = next.gateway.log_level;
  const Duration interval = next.gateway.tls_check_interval;
  next.gateway = running.gateway;
  next.gateway.log_level = log_level;
  next.gateway.tls_check_interval = interval;
  next.local = running.local;
  return next;
}

}  // namespace edgebridge
