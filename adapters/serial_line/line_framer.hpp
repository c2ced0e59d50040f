#pragma once
// Cuts a byte stream into lines at a delimiter ("\n" by default, or any string
// such as "\r\n" or ";"), with a maximum line length. A line longer than the
// maximum is dropped as a whole — everything up to the next delimiter — and
// reported once as overlong, so one corrupt burst never glues onto the next
// good line. Bytes without a delimiter yet wait for the next feed().

#include <functional>
#include <string>

namespace edgebridge::serial_line {

class LineFramer {
 public:
  struct Event {
    bool overlong = false;
    std::string text;  // the line without its delimiter; overlong: its first 64 bytes
    std::size_t length = 0;  // bytes in the line (overlong: at least this many)
  };
  using Emit = std::function<void(const Event&)>;

  LineFramer(std::string delimiter, std::size_t max_line);

  void feed(const char* data, std::size_t size, const Emit& emit);
  // Forgets a partial line (after the port was reopened).
  void reset();
  std::size_t buffered() const { return buffer_.size(); }

 private:
  std::string delimiter_;
  std::size_t max_line_;
  std::string buffer_;
  bool discarding_ = false;     // inside an overlong line
  std::string discarded_head_;  // its first bytes, for the report
  std::size_t discarded_ = 0;
};

}  // namespace edgebridge::serial_line
