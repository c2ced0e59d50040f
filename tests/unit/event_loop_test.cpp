#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/event_loop.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;

namespace {

// Runs a loop on its own thread for the length of a test. Declare it after
// what its handlers use: it must stop before they go.
struct LoopThread {
  EventLoop loop;
  std::thread thread{[this] { loop.run(); }};
  ~LoopThread() {
    loop.stop();
    thread.join();
  }
};

struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0); }
  ~SocketPair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
};

}  // namespace

TEST_CASE("tasks posted from many threads all run on the loop thread, each thread's in its order", "[event_loop]") {
  constexpr int kThreads = 4, kEach = 5000;
  std::vector<std::vector<int>> seen(kThreads);
  std::atomic<int> off_thread{0};
  LoopThread t;
  std::vector<std::thread> posters;
  for (int p = 0; p < kThreads; ++p)
    posters.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i)
        t.loop.post([&, p, i] {
          if (!t.loop.in_loop_thread()) ++off_thread;
          seen[static_cast<std::size_t>(p)].push_back(i);
        });
    });
  for (auto& th : posters) th.join();
  REQUIRE(t.loop.call([] {}));  // everything posted before this has run
  CHECK(off_thread == 0);
  for (const auto& s : seen) {
    REQUIRE(s.size() == static_cast<std::size_t>(kEach));
    CHECK(std::is_sorted(s.begin(), s.end()));
  }
}

TEST_CASE("timers fire in due order and a cancelled timer never fires", "[event_loop]") {
  std::vector<int> fired;
  std::atomic<bool> done{false};
  LoopThread t;
  t.loop.call([&] {
    t.loop.after(30ms, [&] { fired.push_back(3); });
    auto cancelled = t.loop.after(20ms, [&] { fired.push_back(99); });
    t.loop.after(10ms, [&] { fired.push_back(1); });
    t.loop.after(20ms, [&] { fired.push_back(2); });
    t.loop.after(40ms, [&] { done = true; });
    t.loop.cancel(cancelled);
  });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  std::vector<int> copy;
  t.loop.call([&] { copy = fired; });
  CHECK(copy == std::vector<int>{1, 2, 3});
}

TEST_CASE("a watched socket reports data, and a handler that unwatches another fd stops its events", "[event_loop]") {
  SocketPair a, b;  // outlive the loop that watches them
  std::atomic<int> a_reads{0}, b_reads{0};
  LoopThread t;
  EventLoop::WatchId wa = 0, wb = 0;
  t.loop.call([&] {
    wa = t.loop.watch(a.fd[0], true, false, [&](EventLoop::Events ev) {
      if (!ev.readable) return;
      char buf[16];
      while (::read(a.fd[0], buf, sizeof buf) > 0) {
      }
      ++a_reads;
      t.loop.unwatch(wb);  // b's event of the same epoll_wait must not run
    });
    wb = t.loop.watch(b.fd[0], true, false, [&](EventLoop::Events) { ++b_reads; });
  });
  // Both become readable before the loop looks: one epoll_wait returns both.
  t.loop.call([&] {
    REQUIRE(::write(a.fd[1], "x", 1) == 1);
    REQUIRE(::write(b.fd[1], "y", 1) == 1);
  });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (a_reads == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  t.loop.call([] {});
  CHECK(a_reads == 1);
  // b may have run before a in that batch (epoll's order); after a unwatched
  // it, more data on b is never reported.
  const int b_before = b_reads;
  REQUIRE(::write(b.fd[1], "z", 1) == 1);
  std::this_thread::sleep_for(50ms);
  t.loop.call([] {});
  CHECK(b_reads == b_before);
  t.loop.call([&] { t.loop.unwatch(wa); });
}

TEST_CASE("a peer that closes its end is reported as readable with hangup or as end of file", "[event_loop]") {
  SocketPair p;
  std::atomic<bool> closed_seen{false};
  LoopThread t;
  EventLoop::WatchId id = 0;
  t.loop.call([&] {
    id = t.loop.watch(p.fd[0], true, false, [&](EventLoop::Events ev) {
      char buf[8];
      const auto n = ::read(p.fd[0], buf, sizeof buf);
      if (ev.hangup || n == 0) {
        closed_seen = true;
        t.loop.unwatch(id);  // level-triggered: end of file would be reported again and again
      }
    });
  });
  ::close(p.fd[1]);
  p.fd[1] = -1;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!closed_seen && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  CHECK(closed_seen);
}

TEST_CASE("iteration hooks run after the work of each iteration", "[event_loop]") {
  std::vector<std::string> order;  // outlives the loop, whose last iteration runs the hook
  LoopThread t;
  t.loop.call([&] {
    t.loop.add_iteration_hook([&] {
      if (!order.empty() && order.back() != "hook") order.emplace_back("hook");
    });
  });
  // Both posted from one task, so they run in one iteration: posted from this
  // thread, a busy machine could let the loop take "a" before "b" is posted.
  t.loop.call([&] {
    t.loop.post([&] { order.emplace_back("a"); });
    t.loop.post([&] { order.emplace_back("b"); });
  });
  t.loop.call([] {});
  t.loop.call([] {});
  std::vector<std::string> copy;
  t.loop.call([&] { copy = order; });
  REQUIRE(copy.size() >= 3);
  CHECK(copy[0] == "a");
  CHECK(copy[1] == "b");
  CHECK(copy[2] == "hook");
}

TEST_CASE("call() after the loop ended returns false and post() refuses", "[event_loop]") {
  EventLoop loop;
  std::atomic<int> ran{0};
  loop.post([&] { ++ran; });  // before run(): waits for it
  std::thread th([&] { loop.run(); });
  REQUIRE(loop.call([&] { ++ran; }));
  loop.stop();
  th.join();
  CHECK(ran == 2);
  CHECK_FALSE(loop.call([&] { ++ran; }));
  CHECK_FALSE(loop.post([&] { ++ran; }));
  CHECK(ran == 2);
}
