#include "modbus/modbus_settings.hpp"

namespace edgebridge::modbus {

std::string SerialSettings::describe() const {
  return port + " " + std::to_string(baud) + " " + std::to_string(data_bits) + parity + std::to_string(stop_bits);
}

std::string BusSettings::key() const {
  if (transport == Transport::rtu) return "rtu:" + serial.port;
  return "tcp:" + tcp.host + ":" + std::to_string(tcp.port);
}

std::string BusSettings::describe() const {
  if (transport == Transport::rtu) return serial.port;
  return tcp.host + ":" + std::to_string(tcp.port);
}

const RegisterSpec* ModbusSettings::find_register(const std::string& name) const {
  for (const auto& r : registers)
    if (r.name == name) return &r;
  return nullptr;
}

const WriteRule* ModbusSettings::find_write(const std::string& name) const {
  for (const auto& w : writes)
    if (w.register_name == name) return &w;
  return nullptr;
}

}  // namespace edgebridge::modbus
