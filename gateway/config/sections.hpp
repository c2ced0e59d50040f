#pragma once
// Internal to the loader: one function per top-level section of bridge.yaml.

#include "config/config.hpp"
#include "config/loader.hpp"
#include "config/yaml_reader.hpp"
#include "core/device.hpp"

namespace edgebridge::sections {

void read_gateway(MapReader& root, GatewaySettings& out, const LoadOptions& options);
// gateway.metrics, health_grace, stats_interval, stats_topic (load_observability.cpp).
void read_observability(MapReader& gateway, GatewaySettings& out);
void read_local(MapReader& root, const GatewaySettings& gateway, LocalConfig& out);
void read_reconnect(MapReader node, ReconnectPolicy& out);
MqttProtocol read_protocol(MapReader& node);
void read_remotes(MapReader& root, const GatewaySettings& gateway, std::vector<RemoteConfig>& out,
                  const LoadOptions& options);
void read_topics(MapReader& root, const std::vector<RemoteConfig>& remotes, std::vector<TopicMapping>& out);
// Devices, with their `shadow:` sections (which name a remote and default to the gateway id).
void read_devices(MapReader& root, const DeviceCatalog& catalog, const std::vector<RemoteConfig>& remotes,
                  const GatewaySettings& gateway, std::vector<DeviceConfig>& out);
// Checks TLS files: present, readable, key not world-readable, certificate dates.
// Errors point at the file's key in `tls`, or at `fallback` when the key is absent.
void check_tls_files(MapReader& tls, const YAML::Node& fallback, const TlsConfig& config);
// Validates an MQTT topic filter (wildcards placed correctly). Empty `why` = valid.
std::string topic_filter_problem(const std::string& filter);
std::string topic_name_problem(const std::string& topic);
// `batch:` under `owner` (load_batch.cpp): null when absent. Without batch.topic
// the batch goes to `default_topic`, unless `no_default_topic` says why there
// is none (then batch.topic is required).
std::shared_ptr<const BatchSpec> read_batch(MapReader& owner, const std::string& default_topic,
                                            const std::string& no_default_topic = {});
// A mapping's default batch topic: its remote filter up to the first wildcard, then "batch".
std::string default_batch_topic(const std::string& remote_filter);
// After topics and rules: each remote's batch streams (RemoteConfig::batches);
// one topic with two different settings is an error.
void collect_batch_streams(Config& config, Diagnostics& diag);

}  // namespace edgebridge::sections
