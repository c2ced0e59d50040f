#include "modbus/modbus_kind.hpp"

#include "config/yaml_reader.hpp"
#include "modbus/modbus_device.hpp"
#include "modbus/parse_settings.hpp"
#include "shadow/desired_keys.hpp"

namespace edgebridge::modbus {
namespace {

class ModbusKind final : public DeviceKind {
 public:
  ModbusKind(Transport transport, std::shared_ptr<BusRegistry> buses)
      : transport_(transport), buses_(std::move(buses)) {}

  std::string type() const override { return transport_ == Transport::rtu ? "modbus_rtu" : "modbus_tcp"; }

  std::shared_ptr<const DeviceSettings> parse(MapReader& entry, DeviceConfig& device) const override {
    return parse_settings(entry, device, transport_);
  }

  std::unique_ptr<DeviceEndpoint> create(const DeviceConfig& device) const override {
    auto settings = std::dynamic_pointer_cast<const ModbusSettings>(device.settings);
    if (!settings) return nullptr;
    return std::make_unique<ModbusDevice>(device, settings, buses_->acquire(settings->bus));
  }

  void check_together(const std::vector<const DeviceConfig*>& devices, Diagnostics& diag) const override {
    check_buses(devices, diag);
  }

  // A rule's command action names a register listed under `writes:`.
  std::optional<std::vector<std::string>> command_names(const DeviceConfig& device) const override {
    auto s = std::dynamic_pointer_cast<const ModbusSettings>(device.settings);
    if (!s) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& w : s->writes) names.push_back(w.register_name);
    return names;
  }

  // Shadows: every register is a reading key, with its deadband.
  std::optional<std::vector<ShadowReadingKey>> shadow_readings(const DeviceConfig& device) const override {
    auto s = std::dynamic_pointer_cast<const ModbusSettings>(device.settings);
    if (!s) return std::nullopt;
    std::vector<ShadowReadingKey> keys;
    for (const auto& r : s->registers) keys.push_back({r.name, r.deadband});
    return keys;
  }

  // desired: [setpoint, fan]: registers listed under writes:; the desired
  // value is written with the same checks as a command.
  std::vector<ShadowDesiredKey> shadow_desired(MapReader& shadow, const DeviceConfig& device) const override {
    auto s = std::dynamic_pointer_cast<const ModbusSettings>(device.settings);
    std::vector<ShadowDesiredKey> out;
    std::vector<std::string> writable;
    if (s) {
      writable.reserve(s->writes.size());
      for (const auto& w : s->writes) writable.push_back(w.register_name);
    }
    std::string list;
    for (const auto& w : writable) list += (list.empty() ? "" : ", ") + w;
    for (const auto& name : read_desired_names(shadow)) {
      if (!s) continue;
      if (s->find_write(name.key)) {
        out.push_back({name.key, name.key, {}});
        continue;
      }
      std::string msg = s->find_register(name.key)
                            ? "register \"" + name.key + "\" is not listed under writes:, so it cannot be desired"
                            : "device \"" + device.name + "\" has no register \"" + name.key + "\"";
      if (auto guess = did_you_mean(name.key, writable); !guess.empty())
        msg += "; did you mean \"" + guess + "\"?";
      else if (!writable.empty())
        msg += ".";
      msg += writable.empty() ? std::string("; this device has no writes:") : " Writable: " + list;
      shadow.context().error(name.node, name.path, msg);
    }
    return out;
  }

 private:
  Transport transport_;
  std::shared_ptr<BusRegistry> buses_;
};

// One registry for both kinds: devices with the same port or endpoint share one bus.
std::shared_ptr<BusRegistry> shared_registry() {
  static const auto registry = std::make_shared<BusRegistry>();
  return registry;
}

}  // namespace

std::shared_ptr<const DeviceKind> rtu_kind() { return std::make_shared<ModbusKind>(Transport::rtu, shared_registry()); }
std::shared_ptr<const DeviceKind> tcp_kind() { return std::make_shared<ModbusKind>(Transport::tcp, shared_registry()); }

}  // namespace edgebridge::modbus
