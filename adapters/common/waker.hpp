#pragma once
// Wakes a device's worker thread out of poll(): an eventfd the worker polls
// next to its socket or serial port. notify() is thread-safe and never blocks.

namespace edgebridge {

class Waker {
 public:
  Waker();  // throws std::runtime_error if no eventfd can be made (start-up only)
  ~Waker();
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  int fd() const { return fd_; }
  void notify() const;
  void clear() const;  // after poll() reported fd() readable

 private:
  int fd_ = -1;
};

}  // namespace edgebridge
