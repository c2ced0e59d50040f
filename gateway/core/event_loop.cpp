#include "core/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace edgebridge {

namespace {

std::uint32_t epoll_mask(bool want_read, bool want_write) {
  std::uint32_t mask = 0;
  if (want_read) mask |= EPOLLIN;
  if (want_write) mask |= EPOLLOUT;
  return mask;
}

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("event loop: ") + what + ": " + std::strerror(errno));
}

constexpr std::uint64_t kWakeId = 0;  // epoll data of the wake-up eventfd; watches start at 1

}  // namespace

EventLoop::EventLoop() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) fail("epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    ::close(epoll_fd_);
    fail("eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    ::close(wake_fd_);
    ::close(epoll_fd_);
    fail("epoll_ctl(eventfd)");
  }
}

EventLoop::~EventLoop() {
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EventLoop::wake() {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the loop wakes anyway.
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void EventLoop::drain_wakeups() {
  std::uint64_t value = 0;
  [[maybe_unused]] auto n = ::read(wake_fd_, &value, sizeof value);
}

bool EventLoop::post(Task task) {
  bool need_wake = false;
  {
    std::lock_guard<std::mutex> lock(posted_m_);
    if (closed_) return false;
    posted_.push_back(std::move(task));
    need_wake = !wake_pending_;
    wake_pending_ = true;
  }
  // A task posted from the loop thread itself runs in this iteration's drain
  // or the next one; the wake-up keeps epoll_wait from sleeping meanwhile.
  if (need_wake) wake();
  return true;
}

bool EventLoop::call(const Task& task) {
  if (in_loop_thread()) {
    task();
    return true;
  }
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  // run() runs every task it accepted before it returns, so a task accepted
  // here completes and the wait ends.
  const bool accepted = post([&] {
    task();
    std::lock_guard<std::mutex> lock(m);
    done = true;
    cv.notify_all();
  });
  if (!accepted) return false;
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return done; });
  return true;
}

void EventLoop::stop() {
  stopping_ = true;
  wake();
}

EventLoop::WatchId EventLoop::watch(int fd, bool want_read, bool want_write, WatchHandler handler) {
  const WatchId id = next_watch_++;
  epoll_event ev{};
  ev.events = epoll_mask(want_read, want_write);
  ev.data.u64 = id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl(add)");
  watches_.emplace(id, Watch{fd, ev.events, std::move(handler)});
  return id;
}

void EventLoop::modify(WatchId id, bool want_read, bool want_write) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  const std::uint32_t mask = epoll_mask(want_read, want_write);
  if (mask == it->second.events) return;
  epoll_event ev{};
  ev.events = mask;
  ev.data.u64 = id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, it->second.fd, &ev) != 0) fail("epoll_ctl(mod)");
  it->second.events = mask;
}

void EventLoop::unwatch(WatchId id) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  // The fd may already be closed (then the kernel dropped it from the set).
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  watches_.erase(it);
}

EventLoop::TimerId EventLoop::after(Clock::duration delay, Task task) {
  const TimerId id = next_timer_++;
  const auto due = Clock::now() + delay;
  timers_.emplace(std::make_pair(due, id), std::move(task));
  timer_due_.emplace(id, due);
  return id;
}

void EventLoop::cancel(TimerId id) {
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  timers_.erase(std::make_pair(it->second, id));
  timer_due_.erase(it);
}

std::uint64_t EventLoop::add_iteration_hook(Task hook) {
  const std::uint64_t id = next_hook_++;
  hooks_.emplace_back(id, std::move(hook));
  return id;
}

void EventLoop::remove_iteration_hook(std::uint64_t id) {
  for (auto it = hooks_.begin(); it != hooks_.end(); ++it) {
    if (it->first == id) {
      hooks_.erase(it);
      return;
    }
  }
}

void EventLoop::run_posted() {
  std::vector<Task> tasks;
  {
    std::lock_guard<std::mutex> lock(posted_m_);
    tasks.swap(posted_);
    wake_pending_ = false;
  }
  for (Task& t : tasks) t();
}

void EventLoop::run_due_timers() {
  const auto now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_due_.erase(node.key().second);
    node.mapped()();
  }
}

int EventLoop::timeout_ms() const {
  {
    std::lock_guard<std::mutex> lock(posted_m_);
    if (!posted_.empty()) return 0;
  }
  if (timers_.empty()) return 1000;
  const auto wait = timers_.begin()->first.first - Clock::now();
  if (wait <= Clock::duration::zero()) return 0;
  // Round up: waking a little late runs the timer; early would spin.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait + std::chrono::microseconds(999));
  return static_cast<int>(std::min<std::chrono::milliseconds::rep>(ms.count(), 1000));
}

void EventLoop::run() {
  {
    std::lock_guard<std::mutex> lock(posted_m_);
    closed_ = false;
  }
  loop_thread_ = std::this_thread::get_id();
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  while (!stopping_.load()) {
    const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms());
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    for (int i = 0; i < n; ++i) {
      const std::uint64_t id = events[i].data.u64;
      if (id == kWakeId) {
        drain_wakeups();
        continue;
      }
      auto it = watches_.find(id);
      if (it == watches_.end()) continue;  // removed by an earlier handler of this batch
      const std::uint32_t e = events[i].events;
      Events ev;
      ev.readable = (e & EPOLLIN) != 0;
      ev.writable = (e & EPOLLOUT) != 0;
      ev.hangup = (e & (EPOLLHUP | EPOLLERR)) != 0;
      WatchHandler handler = it->second.handler;  // the handler may unwatch itself
      handler(ev);
    }
    run_due_timers();
    run_posted();
    for (std::size_t i = 0; i < hooks_.size(); ++i) hooks_[i].second();
    ++iterations_;
  }
  // Every task accepted so far runs (call() waiters are released); from here
  // on posts are refused.
  for (;;) {
    std::vector<Task> tasks;
    {
      std::lock_guard<std::mutex> lock(posted_m_);
      tasks.swap(posted_);
      wake_pending_ = false;
      if (tasks.empty()) {
        closed_ = true;
        break;
      }
    }
    for (Task& t : tasks) t();
  }
  for (std::size_t i = 0; i < hooks_.size(); ++i) hooks_[i].second();
  loop_thread_ = std::thread::id{};
  stopping_ = false;
}

}  // namespace edgebridge
