#pragma once
// The configuration half of the contract between the gateway and a device
// adapter (adapters/<kind>/): a DeviceKind parses the type-specific keys of one
// `devices:` entry and creates the running DeviceEndpoint (core/device.hpp).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"
#include "core/device.hpp"
#include "core/shadow_binding.hpp"

namespace edgebridge {

class DeviceKind {
 public:
  virtual ~DeviceKind() = default;
  // The `type:` value this kind handles, e.g. "modbus_tcp".
  virtual std::string type() const = 0;
  // Reads the type-specific keys of one device entry. The common keys (name,
  // type, topic) are already in `device`; the kind may set command_filters.
  // Errors go to the reader's diagnostics; the kind must not call finish().
  virtual std::shared_ptr<const DeviceSettings> parse(MapReader& entry, DeviceConfig& device) const = 0;
  virtual std::unique_ptr<DeviceEndpoint> create(const DeviceConfig& device) const = 0;
  // Checks that need every device of this kind at once, e.g. devices sharing
  // one serial line must agree on its settings and fit its capacity. Called once
  // per load after every entry was parsed, with this kind's devices in
  // `devices:` order (settings set); errors go to `diag`.
  virtual void check_together(const std::vector<const DeviceConfig*>& devices, Diagnostics& diag) const {
    (void)devices;
    (void)diag;
  }
  // The command names invoke() accepts for `device`, so rule actions naming
  // another are refused when bridge.yaml is loaded. nullopt: not known before
  // the device runs (then invoke() alone decides).
  virtual std::optional<std::vector<std::string>> command_names(const DeviceConfig& device) const {
    (void)device;
    return std::nullopt;
  }
  // Device shadows (docs/shadows.md). The keys of the device's readings, each
  // with its deadband: nullopt when they are known only once readings arrive
  // (any key is then accepted in `shadow.reported`); empty when the device has
  // no readings (its reported state is what it carried out).
  virtual std::optional<std::vector<ShadowReadingKey>> shadow_readings(const DeviceConfig& device) const {
    (void)device;
    return std::nullopt;
  }
  // Reads `desired` of the device's `shadow:` section (`shadow.raw("desired")`):
  // the desired keys the device accepts and the command each becomes, checked
  // against what its commands allow (writes:, codes, write_allow). Errors go to
  // the reader's context with the key's line and column. By default a kind
  // takes no desired state.
  virtual std::vector<ShadowDesiredKey> shadow_desired(MapReader& shadow, const DeviceConfig& device) const {
    (void)device;
    YAML::Node desired = shadow.raw("desired");
    if (desired.IsDefined() && !desired.IsNull())
      shadow.context().error(desired, shadow.key_path("desired"),
                             "a " + type() + " device takes no desired state; remove desired:");
    return {};
  }
};

// The explicit list of device kinds (adapters/catalog/catalog.cpp). No static
// self-registration: the linker drops it from static libraries.
using DeviceCatalog = std::vector<std::shared_ptr<const DeviceKind>>;

}  // namespace edgebridge
