#pragma once
// The contract between the gateway and a device adapter (adapters/<kind>/).
//
// A DeviceKind parses the type-specific keys of one `devices:` entry and
// creates the running DeviceEndpoint. Adapters know nothing about SQLite or
// the cloud: they turn device I/O into messages on local topics (handed to the
// Ingress) and command messages into device I/O.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"
#include "core/delivery.hpp"
#include "core/ingress.hpp"
#include "core/shadow_binding.hpp"

namespace edgebridge {

class DeviceEndpoint {
 public:
  virtual ~DeviceEndpoint() = default;
  virtual const std::string& name() const = 0;
  // Starts polling/reading in the adapter's own thread(s). Messages go to
  // `ingress` as Source::device(name()). A device that cannot be reached yet is
  // not an error here: the adapter retries with backoff and reports status.
  virtual void start(Ingress& ingress) = 0;
  // Stops all threads; safe to call after a failed or missing start(), and twice.
  virtual void stop() = 0;
  // A message on one of the device's command filters (from the cloud, the local
  // broker or a rule). The adapter checks it against its configuration before
  // any device I/O, and reports the outcome on its result topic.
  virtual Delivery command(const Message& message) = 0;
  // A named command from a rule action or a device shadow (an IR code, a
  // register write). `args` is the action's JSON arguments (may be null). An
  // "id" in an object `args` (a string, at most 64 bytes) is echoed as "id" in
  // the result message the command gets, so the caller can find its outcome
  // (device shadows do). On error, `why` says why.
  virtual Delivery invoke(const std::string& command, const nlohmann::json& args, std::string& why) = 0;
  // Counters and gauges for /metrics, by snake_case name. Names in use:
  // polls_ok, polls_failed, poll_latency_ms (last poll), online (0/1),
  // commands_ok, commands_rejected, commands_failed, commands_expired,
  // lines_ok, lines_bad. Thread-safe.
  virtual std::vector<std::pair<std::string, double>> metrics() const { return {}; }
};

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

// The explicit list of device kinds (adapters/catalog.cpp). No static
// self-registration: the linker drops it from static libraries.
using DeviceCatalog = std::vector<std::shared_ptr<const DeviceKind>>;

}  // namespace edgebridge
