#pragma once
// One TCP connection to an iTach (port 4998): commands out, carriage-return
// terminated reply lines in. Every wait can be cut short by a Waker when
// `stopping()` says so (the gateway is shutting down).

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "common/waker.hpp"
#include "config/units.hpp"

namespace edgebridge::ir_tcp {

class ItachConnection {
 public:
  using Clock = std::chrono::steady_clock;
  // `waker` may be null (the CLI); then nothing interrupts a wait.
  ItachConnection(const Waker* waker, std::function<bool()> stopping);
  ~ItachConnection();
  ItachConnection(const ItachConnection&) = delete;
  ItachConnection& operator=(const ItachConnection&) = delete;

  bool connect(const std::string& host, int port, Duration timeout, std::string& why);
  void close();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Sends `line` and a carriage return. On failure, `delivered_nothing` is true
  // when not a byte left this host (the command certainly did not run).
  bool send_line(const std::string& line, bool& delivered_nothing, std::string& why);

  enum class Wait { line, timeout, closed, stopped };
  // The next reply line, waiting until `deadline`. `closed`: the peer hung up
  // or the connection failed (`why` says how; the connection is closed).
  Wait next_line(std::string& line, Clock::time_point deadline, std::string& why);
  // Sleeps for `d` unless stopped. Replies arriving meanwhile stay buffered.
  bool pause(Duration d);

  static constexpr std::size_t kMaxReplyLine = 512;

 private:
  // Waits for the socket (and the waker) until `deadline`; reads what is there.
  Wait fill(Clock::time_point deadline, std::string& why);
  void split_lines();

  const Waker* waker_;
  std::function<bool()> stopping_;
  int fd_ = -1;
  std::string buffer_;
  std::deque<std::string> lines_;
};

}  // namespace edgebridge::ir_tcp
