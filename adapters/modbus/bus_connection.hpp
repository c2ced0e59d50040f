#pragma once
// One libmodbus context for one serial line or TCP endpoint: open, close, and
// one request at a time with the frame gap, the device's response timeout and
// retries. It classifies every failure the way the adapter reports it:
// an exception the device answered, no answer, a frame that is not valid
// Modbus, or the link itself gone (port unplugged, connection reset).
//
// Not thread-safe: the bus owner (Bus) or the CLI uses it from one thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "modbus_settings.hpp"
#include "read_plan.hpp"
#include "write_command.hpp"

struct _modbus;  // NOLINT(bugprone-reserved-identifier): libmodbus's own name for modbus_t

namespace edgebridge::modbus {

enum class Outcome {
  ok,
  exception,  // the device answered with a Modbus exception (it is there)
  timeout,    // no answer, or an answer cut short, within the timeout
  bad_frame,  // an answer that is not valid Modbus (CRC, length, wrong unit or transaction)
  link_down,  // the port or connection failed; the bus reconnects with backoff
};
const char* to_string(Outcome o);

struct Result {
  Outcome outcome = Outcome::ok;
  int exception_code = 0;  // Modbus exception code when outcome == exception
  std::string error;       // libmodbus's reason, e.g. "Illegal data address"
  int attempts = 0;        // requests sent
  int timeouts = 0;        // attempts that got no (complete) answer
  int bad_frames = 0;      // attempts answered with an invalid frame
};

// How one device is spoken to.
struct Exchange {
  int unit = 1;
  std::chrono::milliseconds timeout{1000};
  std::chrono::milliseconds frame_gap{0};
  int attempts = 1;  // 1 + retries; timeouts and bad frames are retried, exceptions are not
};

class BusConnection {
 public:
  explicit BusConnection(BusSettings settings);
  ~BusConnection();
  BusConnection(const BusConnection&) = delete;
  BusConnection& operator=(const BusConnection&) = delete;

  bool connected() const { return ctx_ != nullptr; }
  // Opens the serial port (and locks it against other edgebridge processes) or
  // connects to the TCP endpoint. false with `why` on failure.
  bool connect(std::string& why, std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(3000));
  void close();

  // Reads `request` into `out` (request.count entries; bits as 0/1).
  Result read(const Exchange& x, const ReadRequest& request, std::vector<std::uint16_t>& out);
  Result write(const Exchange& x, const WriteCommand& command);

  const BusSettings& settings() const { return settings_; }
  std::string last_connect_note() const { return note_; }

 private:
  template <typename Call>
  Result run(const Exchange& x, Call&& call);
  void wait_frame_gap(std::chrono::milliseconds gap);
  void recover_after_error();

  BusSettings settings_;
  _modbus* ctx_ = nullptr;
  std::string note_;  // e.g. RS-485 mode not supported by the driver
  std::chrono::steady_clock::time_point last_activity_{};
};

}  // namespace edgebridge::modbus
