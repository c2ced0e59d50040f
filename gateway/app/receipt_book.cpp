#include "app/receipt_book.hpp"

namespace edgebridge {

std::uint64_t ReceiptBook::open(Clock::time_point now) {
  Entry e;
  e.at = now;
  entries_.push_back(e);
  return base_ + entries_.size() - 1;
}

ReceiptBook::Entry* ReceiptBook::find(std::uint64_t receipt) {
  if (receipt < base_ || receipt >= base_ + entries_.size()) return nullptr;
  return &entries_[static_cast<std::size_t>(receipt - base_)];
}

void ReceiptBook::hold(std::uint64_t receipt) {
  if (Entry* e = find(receipt)) ++e->outstanding;
}

void ReceiptBook::close(std::uint64_t receipt) {
  if (Entry* e = find(receipt)) e->closed = true;
  pop_released();
}

void ReceiptBook::release(std::uint64_t receipt) {
  Entry* e = find(receipt);
  if (e == nullptr || e->outstanding == 0) return;
  --e->outstanding;
  last_release_ = Clock::now();
  pop_released();
  if (!entries_.empty() && on_release_) on_release_();
}

void ReceiptBook::pop_released() {
  const bool was_empty = entries_.empty();
  while (!entries_.empty() && entries_.front().closed && entries_.front().outstanding == 0) {
    entries_.pop_front();
    ++base_;
  }
  if (!was_empty && entries_.empty() && on_settled_) on_settled_();
}

std::optional<ReceiptBook::Clock::time_point> ReceiptBook::oldest() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.front().at;
}

void ReceiptBook::reset() {
  base_ += entries_.size();
  entries_.clear();
}

}  // namespace edgebridge
