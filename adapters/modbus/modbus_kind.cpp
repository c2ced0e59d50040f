#include "modbus/modbus_kind.hpp"

#include "modbus/modbus_device.hpp"
#include "modbus/parse_settings.hpp"

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
