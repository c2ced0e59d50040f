#include "serial_line/line_framer.hpp"

#include <algorithm>

namespace edgebridge::serial_line {

namespace {
constexpr std::size_t kHead = 64;
}

LineFramer::LineFramer(std::string delimiter, std::size_t max_line)
    : delimiter_(delimiter.empty() ? std::string("\n") : std::move(delimiter)), max_line_(std::max<std::size_t>(1, max_line)) {}

void LineFramer::reset() {
  buffer_.clear();
  discarding_ = false;
  discarded_head_.clear();
  discarded_ = 0;
}

void LineFramer::feed(const char* data, std::size_t size, const Emit& emit) {
  // Only the bytes that might complete a delimiter need a second look.
  std::size_t search_from = buffer_.size() >= delimiter_.size() ? buffer_.size() - (delimiter_.size() - 1) : 0;
  buffer_.append(data, size);
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = buffer_.find(delimiter_, std::max(start, search_from));
    if (pos == std::string::npos) break;
    const std::size_t length = pos - start;
    if (discarding_) {
      emit({true, discarded_head_, discarded_ + length});
      discarding_ = false;
      discarded_head_.clear();
      discarded_ = 0;
    } else if (length > max_line_) {
      emit({true, buffer_.substr(start, std::min(length, kHead)), length});
    } else {
      emit({false, buffer_.substr(start, length), length});
    }
    start = pos + delimiter_.size();
  }
  buffer_.erase(0, start);
  // No delimiter in sight and already too long: drop the bytes, keep only what
  // could be the start of a delimiter.
  const std::size_t keep = delimiter_.size() - 1;
  if (buffer_.size() > max_line_ + keep) {
    if (!discarding_) {
      discarding_ = true;
      discarded_head_ = buffer_.substr(0, kHead);
    }
    const std::size_t drop = buffer_.size() - keep;
    discarded_ += drop;
    buffer_.erase(0, drop);
  }
}

}  // namespace edgebridge::serial_line
