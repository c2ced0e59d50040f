#pragma once
// Rate-limits a repeated warning: at most one line per interval, and the line
// that does get through says how many were held back.

#include <chrono>
#include <cstdint>
#include <mutex>

namespace edgebridge {

class LogLimiter {
 public:
  explicit LogLimiter(std::chrono::steady_clock::duration interval = std::chrono::seconds(10)) : interval_(interval) {}

  // True when a line may be logged now; `suppressed` is set to the number of
  // lines held back since the last one that got through.
  bool allow(std::uint64_t& suppressed) {
    std::lock_guard<std::mutex> lock(m_);
    auto now = std::chrono::steady_clock::now();
    if (logged_once_ && now - last_ < interval_) {
      ++held_;
      return false;
    }
    logged_once_ = true;
    last_ = now;
    suppressed = held_;
    held_ = 0;
    return true;
  }

 private:
  std::mutex m_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t held_ = 0;
  bool logged_once_ = false;
};

}  // namespace edgebridge
