#include "common/worker_thread.hpp"

#include <utility>

namespace edgebridge {

void WorkerThread::start(Ingress& ingress, std::function<void()> body) {
  if (thread_.joinable()) return;
  ingress_ = &ingress;
  stopping_ = false;
  thread_ = std::thread(std::move(body));
}

void WorkerThread::stop() {
  stopping_ = true;
  waker_.notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace edgebridge
