#pragma once
// Internal to the loader: one function per top-level section of bridge.yaml.

#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/device_kind.hpp"
#include "config/load_options.hpp"
#include "config/yaml_reader.hpp"
#include "core/topic_names.hpp"

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
// What a folder above config/ reads inside each device entry (shadow/ reads
// `shadow:`); loader/ sets it, so config/ does not depend on that folder.
struct DeviceEntryReader {
  // After the kind parsed the entry, before its unknown keys are reported.
  std::function<void(MapReader& entry, DeviceConfig& device, const DeviceKind& kind)> each;
  // Once, after every entry.
  std::function<void(const std::vector<DeviceConfig>& devices, Diagnostics& diag)> after;
  // Keys not reported as unknown in an entry whose kind could not parse it.
  std::vector<std::string> keys;
};
void read_devices(MapReader& root, const DeviceCatalog& catalog, std::vector<DeviceConfig>& out,
                  const DeviceEntryReader& extra = {});
// Checks TLS files: present, readable, key not world-readable, certificate dates.
// Errors point at the file's key in `tls`, or at `fallback` when the key is absent.
void check_tls_files(MapReader& tls, const YAML::Node& fallback, const TlsConfig& config);

}  // namespace edgebridge::sections
