#pragma once
// The one thread a device runs its I/O on (ir_tcp, serial_line): started by
// DeviceEndpoint::start(), stopped by stop() (safe before start and twice),
// woken out of poll() by the Waker when the caller's thread queued work.

#include <atomic>
#include <functional>
#include <thread>

#include "common/waker.hpp"
#include "core/ingress.hpp"

namespace edgebridge {

class WorkerThread {
 public:
  WorkerThread() = default;
  ~WorkerThread() { stop(); }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Runs `body` on a new thread, with ingress() set; nothing when it runs already.
  void start(Ingress& ingress, std::function<void()> body);
  // Asks the body to end (stopping() turns true), wakes it and waits for it.
  // The owner calls it in its destructor, before the members the body uses go.
  void stop();

  bool stopping() const { return stopping_.load(); }
  // Where the device's messages go; null before start().
  Ingress* ingress() const { return ingress_.load(); }
  // Any thread: the worker should look at its queues.
  void wake() const { waker_.notify(); }
  Waker& waker() { return waker_; }

 private:
  Waker waker_;
  std::atomic<Ingress*> ingress_{nullptr};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace edgebridge
