#pragma once
// One thread that waits on many file descriptors (epoll) and timers, and runs
// tasks posted from other threads, in the order they were posted.
//
// The MQTT connections (local broker and every remote) and the forwarders live
// on one loop: a message read from one socket is routed, handed to the outbox
// and, once committed, written to another socket without a thread hand-off per
// message. Other threads (the outbox writer, devices, the rules' timer, the
// main thread) talk to what lives on the loop only through post() or call().
//
// Everything but post(), call(), stop() and in_loop_thread() is for the loop
// thread only. Callbacks may add and remove watches and timers, including
// their own; a removed watch or cancelled timer never fires afterwards, even
// when its event was already returned by the same epoll_wait.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace edgebridge {

class EventLoop {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;
  using WatchId = std::uint64_t;
  using TimerId = std::uint64_t;

  struct Events {
    bool readable = false;
    bool writable = false;
    bool hangup = false;  // EPOLLHUP or EPOLLERR: the peer closed or the socket failed
  };
  using WatchHandler = std::function<void(Events)>;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs on the calling thread until stop(); tasks posted before stop() run first.
  void run();
  // Any thread. run() returns after the current iteration.
  void stop();
  bool in_loop_thread() const { return std::this_thread::get_id() == loop_thread_.load(); }

  // Any thread: `task` runs on the loop thread, after the tasks posted before
  // it. Tasks posted before run() starts wait for it. Returns false (and drops
  // the task) once run() has returned.
  bool post(Task task);
  // Any thread: runs `task` on the loop thread and returns when it has run (at
  // once, inline, when called on the loop thread). Returns false, without
  // running it, once run() has returned.
  bool call(const Task& task);

  // Watches `fd` (not owned). Level-triggered.
  WatchId watch(int fd, bool want_read, bool want_write, WatchHandler handler);
  void modify(WatchId id, bool want_read, bool want_write);
  void unwatch(WatchId id);

  TimerId after(Clock::duration delay, Task task);
  void cancel(TimerId id);

  // Runs once at the end of every iteration, after the events and timers of
  // that iteration: the place to hand a batch gathered during it to another
  // thread. Returns an id for remove_iteration_hook.
  std::uint64_t add_iteration_hook(Task hook);
  void remove_iteration_hook(std::uint64_t id);

  // Iterations so far (loop thread); for tests and metrics.
  std::uint64_t iterations() const { return iterations_; }

 private:
  struct Watch {
    int fd = -1;
    std::uint32_t events = 0;
    WatchHandler handler;
  };

  void wake();
  void drain_wakeups();
  void run_posted();
  void run_due_timers();
  int timeout_ms() const;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<std::thread::id> loop_thread_{};

  mutable std::mutex posted_m_;
  std::vector<Task> posted_;
  bool wake_pending_ = false;  // under posted_m_: a wake-up byte is already on its way
  bool closed_ = false;        // under posted_m_: run() returned; posts are refused

  std::unordered_map<WatchId, Watch> watches_;
  WatchId next_watch_ = 1;

  std::map<std::pair<Clock::time_point, TimerId>, Task> timers_;
  std::unordered_map<TimerId, Clock::time_point> timer_due_;
  TimerId next_timer_ = 1;

  std::vector<std::pair<std::uint64_t, Task>> hooks_;
  std::uint64_t next_hook_ = 1;
  std::uint64_t iterations_ = 0;
};

}  // namespace edgebridge
