#pragma once
// How much bus time a device's polls take, so bridge.yaml can be refused when
// the polls asked for cannot fit on the line. An estimate for devices that
// answer: request and response frames at the line's speed, the frame gap, and a
// nominal turnaround of the device (5 ms on serial, 2 ms round trip on TCP).
// A device that stops answering costs its timeout instead (see worst_poll_ms).

#include "modbus/modbus_settings.hpp"

namespace edgebridge::modbus {

// Milliseconds on the wire for one request of `request`'s kind on `bus`.
double request_cost_ms(const BusSettings& bus, const ReadRequest& request, Duration frame_gap);
// One poll of the device when it answers.
double poll_cost_ms(const ModbusSettings& device);
// One poll when the device does not answer: the first request's attempts time out.
double worst_poll_ms(const ModbusSettings& device);
// 3.5 character times at the line's speed (the Modbus RTU inter-frame silence),
// and at least 5 ms: what `frame_gap: auto` means on a serial line.
Duration auto_frame_gap(const SerialSettings& serial);

}  // namespace edgebridge::modbus
