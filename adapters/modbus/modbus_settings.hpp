#pragma once
// The effective settings of one modbus_rtu or modbus_tcp device, after
// bridge.yaml was validated, every default filled in and the read plan made.

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "modbus/read_plan.hpp"
#include "modbus/register_map.hpp"

namespace edgebridge::modbus {

enum class Transport { rtu, tcp };

// How a serial line is set up. Every device on one port must agree.
struct SerialSettings {
  std::string port;       // /dev/ttyUSB0; better /dev/serial/by-id/... (stable across replugging)
  int baud = 9600;
  char parity = 'N';      // N, E or O
  int data_bits = 8;
  int stop_bits = 1;
  bool rs485 = false;     // the kernel's RS-485 mode (TIOCSRS485) drives the transceiver's direction pin
  std::string rts = "none";  // none | up | down: libmodbus toggles RTS around each request (software direction)

  friend bool operator==(const SerialSettings& a, const SerialSettings& b) {
    return a.port == b.port && a.baud == b.baud && a.parity == b.parity && a.data_bits == b.data_bits &&
           a.stop_bits == b.stop_bits && a.rs485 == b.rs485 && a.rts == b.rts;
  }
  // Bits on the wire per character: start, data, parity, stop.
  int bits_per_char() const { return 1 + data_bits + (parity == 'N' ? 0 : 1) + stop_bits; }
  std::string describe() const;  // "/dev/ttyUSB0 9600 8N1"
};

struct TcpSettings {
  std::string host;
  int port = 502;
};

// One serial line or one TCP endpoint: one connection, one owner thread,
// requests strictly one at a time.
struct BusSettings {
  Transport transport = Transport::rtu;
  SerialSettings serial;
  TcpSettings tcp;
  ReconnectPolicy reconnect{Duration{1000}, Duration{30'000}, Duration{60'000}};

  // Devices with the same key share the bus: "rtu:/dev/ttyUSB0", "tcp:192.0.2.7:502".
  std::string key() const;
  std::string describe() const;
};

// One entry of `writes:`: a register a command may write, and the values it may take.
struct WriteRule {
  std::string register_name;
  std::size_t register_index = 0;
  std::optional<double> min;      // numeric registers: both required
  std::optional<double> max;
  std::vector<bool> values;       // coils and bits: the allowed values (required)
  bool write_multiple = false;    // use function 15/16 even for one coil/register
  Duration ttl{30'000};           // older commands are dropped, not executed late
};

struct OutputOptions {
  bool json = true;            // one JSON object per poll on <topic>
  bool per_register = false;   // each value also as plain text on <topic>/<register>
  bool on_change = false;      // only values that changed by more than their deadband
  int every = 0;               // with on_change: every Nth poll publishes all values (0 = never)
  int qos = 1;
  bool retain = false;
  Duration error_repeat{300'000};  // the same error is published again at most this often
};

class ModbusSettings final : public DeviceSettings {
 public:
  BusSettings bus;
  int unit_id = 1;
  Duration poll{10'000};
  Duration timeout{1000};
  int retries = 1;
  Duration frame_gap{0};  // silence before each request (auto: 3.5 characters, at least 5 ms, on serial)
  int offline_after = 3;  // polls without any answer before <topic>/status says offline
  RequestLimits limits;
  std::vector<RegisterSpec> registers;
  std::vector<ReadRequest> plan;
  std::vector<WriteRule> writes;
  Duration command_ttl{30'000};
  OutputOptions output;

  std::string topic;
  std::string status_topic;   // <topic>/status, retained online/offline
  std::string errors_topic;   // <topic>/error unless errors_topic is set
  std::string meta_topic;     // <topic>/meta, retained units and addresses
  std::string command_topic;  // <topic>/set unless command_topic is set
  std::string result_topic;   // <command_topic>/result

  std::string path;     // key path of the entry: "devices[2]"
  Location where;       // the device entry
  Location poll_where;  // its poll key (or the entry)
  Location bus_where;   // its serial (else port) or host key, else the entry

  const RegisterSpec* find_register(const std::string& name) const;
  const WriteRule* find_write(const std::string& name) const;
};

}  // namespace edgebridge::modbus
