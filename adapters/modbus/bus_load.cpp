#include "modbus/bus_load.hpp"

#include <algorithm>
#include <cmath>

namespace edgebridge::modbus {
namespace {

constexpr double kSerialTurnaroundMs = 5.0;
constexpr double kTcpRoundTripMs = 2.0;

}  // namespace

double request_cost_ms(const BusSettings& bus, const ReadRequest& request, Duration frame_gap) {
  const double gap = static_cast<double>(frame_gap.count());
  if (bus.transport == Transport::tcp) return kTcpRoundTripMs + gap;
  // RTU read request: unit, function, address (2), count (2), CRC (2).
  const double request_bytes = 8;
  // Response: unit, function, byte count, data, CRC (2).
  const double data = is_bit_table(request.table) ? std::ceil(request.count / 8.0) : 2.0 * request.count;
  const double response_bytes = 5 + data;
  const double char_ms = 1000.0 * bus.serial.bits_per_char() / bus.serial.baud;
  return (request_bytes + response_bytes) * char_ms + kSerialTurnaroundMs + gap;
}

double poll_cost_ms(const ModbusSettings& device) {
  double total = 0;
  for (const auto& r : device.plan) total += request_cost_ms(device.bus, r, device.frame_gap);
  return total;
}

double worst_poll_ms(const ModbusSettings& device) {
  return static_cast<double>(device.timeout.count()) * (1 + device.retries) +
         static_cast<double>(device.frame_gap.count());
}

Duration auto_frame_gap(const SerialSettings& serial) {
  // The spec fixes 1.75 ms above 19200 baud; below, 3.5 characters.
  const double t35 = serial.baud > 19200 ? 1.75 : 3.5 * 1000.0 * serial.bits_per_char() / serial.baud;
  return Duration(static_cast<Duration::rep>(std::ceil(std::max(t35, 5.0))));
}

}  // namespace edgebridge::modbus
