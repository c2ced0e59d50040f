#pragma once
// Helpers for the outbox tests: a scratch directory, a settable wall clock,
// and waiting on a condition with a deadline (never a blind sleep).

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "outbox/outbox.hpp"

namespace edgebridge::test {

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "edgebridge-outbox-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A wall clock the test moves by hand.
class FakeWallClock {
 public:
  FakeWallClock() : ms_(1'700'000'000'000) {}
  std::chrono::system_clock::time_point now() const {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void advance(std::chrono::milliseconds d) { ms_ += d.count(); }
  SystemClockFn fn() {
    return [this] { return now(); };
  }

 private:
  std::atomic<std::int64_t> ms_;
};

// Polls `pred` until it holds or `timeout` passes; returns its last value.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline Message make_message(const std::string& topic, const std::string& payload, int qos = 1) {
  Message m;
  m.topic = topic;
  m.payload = payload;
  m.qos = qos;
  return m;
}

// The old synchronous shape: the delivery of an enqueue (its id dropped).
inline Delivery put(OutboxQueue& q, Message m, bool held = false) { return q.enqueue(std::move(m), held).delivery; }

inline OutboxOptions options_for(const ScratchDir& dir) {
  OutboxOptions o;
  o.path = dir.file("outbox.db");
  return o;
}

inline std::uint64_t dropped(const OutboxCounters& c, DropReason r) { return c.dropped[static_cast<std::size_t>(r)]; }

}  // namespace edgebridge::test
