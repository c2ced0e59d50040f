#pragma once
// A serial port in raw mode (termios): opened non-blocking with exclusive
// access, configured from SerialSettings, read and written by the device's
// worker thread.

#include <string>

#include "common/serial_settings.hpp"
#include "config/units.hpp"

namespace edgebridge::serial_line {

class SerialPort {
 public:
  SerialPort() = default;
  ~SerialPort();
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  bool open(const std::string& path, const SerialSettings& settings, std::string& why);
  void close();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  enum class Read { data, none, gone };
  // Reads what is there without waiting. `gone`: the port failed (USB
  // unplugged: EIO); `why` says how. A hang-up with nothing to read is `none`:
  // poll()'s POLLHUP tells the caller.
  Read read_some(std::string& out, std::string& why);
  // Writes all of `data` within `timeout`.
  bool write_all(const std::string& data, Duration timeout, std::string& why);

 private:
  int fd_ = -1;
};

}  // namespace edgebridge::serial_line
