#pragma once
// Reads the `shadow:` section of a device entry (docs/shadows.md) once its
// kind has parsed the rest: the remote, the thing and shadow names, the
// reported keys and, through the kind, the desired keys it accepts. Called by
// the devices section of the loader; errors carry file, line and column.

#include <memory>
#include <vector>

#include "config/config.hpp"
#include "config/device_kind.hpp"
#include "config/yaml_reader.hpp"
#include "shadow/shadow_config.hpp"

namespace edgebridge {

// Null when the entry has no `shadow:` (or `shadow: false`).
std::shared_ptr<const ShadowConfig> read_device_shadow(MapReader& entry, const DeviceConfig& device,
                                                       const DeviceKind& kind, const std::vector<RemoteConfig>& remotes,
                                                       const GatewaySettings& gateway);

// Across devices: one device per shadow (remote, thing, name) and per local topic.
void check_shadows(const std::vector<DeviceConfig>& devices, Diagnostics& diag);

// A valid AWS IoT thing name (1-128 of letters, digits, ':', '_', '-'); empty: valid.
std::string thing_name_problem(const std::string& thing);
// A valid shadow name (1-64 of the same); empty: valid.
std::string shadow_name_problem(const std::string& name);

}  // namespace edgebridge
