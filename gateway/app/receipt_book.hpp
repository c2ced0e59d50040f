#pragma once
// The local broker's QoS 1 messages whose PUBACK waits for the outbox.
//
// libmosquitto acknowledges a message the moment it reads it; the local
// connection queues that PUBACK instead of writing it (gated writes), and it
// goes out only once every message read so far is safe: each of its outbox
// copies acknowledged by its remote, or committed, or dropped by a bound. A
// gateway killed before then has acknowledged nothing the outbox could lose:
// the broker sends those messages again after the restart (our session is
// persistent).
//
// Receipts are numbered in arrival order; the book is "settled" when every
// receipt is released. Loop thread only.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include "outbox/forwarder.hpp"

namespace edgebridge {

class ReceiptBook final : public ReleaseSink {
 public:
  using Clock = std::chrono::steady_clock;

  // A message arrived; it is held until close() and one release() per hold().
  std::uint64_t open(Clock::time_point now = Clock::now());
  void hold(std::uint64_t receipt) override;
  // Routing is done: no more holds for this receipt.
  void close(std::uint64_t receipt);
  void release(std::uint64_t receipt) override;

  // Every receipt is released: the queued PUBACKs may go.
  bool settled() const { return entries_.empty(); }
  // When the oldest receipt still held arrived.
  std::optional<Clock::time_point> oldest() const;
  // When a copy was last released (progress of the remotes).
  Clock::time_point last_release() const { return last_release_; }
  std::size_t size() const { return entries_.size(); }
  // The connection the receipts belong to went away (its PUBACKs with it):
  // forget them; releases that come later for them are ignored.
  void reset();
  // Called when the book became settled.
  void on_settled(std::function<void()> handler) { on_settled_ = std::move(handler); }
  // Called after every release that left the book not settled.
  void on_release(std::function<void()> handler) { on_release_ = std::move(handler); }

 private:
  struct Entry {
    int outstanding = 0;
    bool closed = false;
    Clock::time_point at{};
  };
  Entry* find(std::uint64_t receipt);
  void pop_released();

  std::deque<Entry> entries_;   // receipts base_ .. base_ + size - 1
  std::uint64_t base_ = 1;      // receipt number of entries_.front()
  Clock::time_point last_release_{};
  std::function<void()> on_settled_;
  std::function<void()> on_release_;
};

}  // namespace edgebridge
