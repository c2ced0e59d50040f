#pragma once
// The owner of one serial line or TCP endpoint. Every device (unit id) on it
// is a member; one thread talks to all of them, strictly one request at a
// time, so frames never collide and the frame gap holds between them.
//
// Scheduling: each member polls on its own interval, drift-free (the next poll
// is due one interval after the previous one was due, not after it finished).
// Members attached together are spread evenly over their interval. A poll that
// falls a whole interval behind is skipped and counted, never bunched up.
// Writes are queued and run before the next poll, in the order they came.
//
// The link is opened lazily and reopened with backoff after it fails (a USB
// adapter unplugged: the port comes back when the device node does).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/backoff.hpp"
#include "core/clocks.hpp"
#include "modbus/bus_connection.hpp"

namespace edgebridge::modbus {

// What the bus drives: a device on it. Called on the bus thread only.
class BusMember {
 public:
  virtual ~BusMember() = default;
  // `link` is null when the bus is not connected; `link_error` says why.
  virtual void poll(BusConnection* link, const std::string& link_error, SteadyClock::time_point scheduled) = 0;
  virtual void write(BusConnection* link, const std::string& link_error, WriteCommand command) = 0;
  // Polls that were due but could not run in time (the bus was busy).
  virtual void polls_skipped(std::uint64_t count) = 0;
  virtual Duration poll_interval() const = 0;
  virtual Duration timeout() const = 0;
};

class Bus {
 public:
  static constexpr std::size_t kMaxQueuedWrites = 64;

  explicit Bus(BusSettings settings);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  // A device configured on this bus (at creation; fixes its place in the spread).
  void enroll(BusMember* member);
  void withdraw(BusMember* member);
  // Starts polling `member`; the bus thread starts with the first one.
  void attach(BusMember* member);
  // Stops polling `member`, waits until it is not on the bus, drops its queued
  // writes (returned, so the device can answer them). The thread ends with the last.
  std::deque<WriteCommand> detach(BusMember* member);
  // Queues a write for `member`. false with `why` when the queue is full or the member is not attached.
  bool submit(BusMember* member, WriteCommand command, std::string& why);

  const BusSettings& settings() const { return settings_; }
  std::string describe() const { return settings_.describe(); }

 private:
  struct Slot {
    BusMember* member = nullptr;
    std::size_t place = 0;  // order of enrollment
    bool active = false;
    SteadyClock::time_point due{};
  };
  struct QueuedWrite {
    BusMember* member = nullptr;
    WriteCommand command;
  };

  void run();
  // Connects when needed and allowed by the backoff; empty string when connected.
  std::string ensure_link();
  Slot* find(BusMember* member);

  BusSettings settings_;
  BusConnection link_;
  Backoff backoff_;
  std::string link_error_;
  bool was_connected_ = false;
  SteadyClock::time_point connected_at_{};
  SteadyClock::time_point next_connect_{};

  std::mutex mu_;
  std::condition_variable cv_;
  std::list<Slot> slots_;
  std::size_t enrolled_ = 0;
  std::deque<QueuedWrite> writes_;
  BusMember* busy_ = nullptr;  // the member whose poll or write is on the bus
  bool stopping_ = false;
  SteadyClock::time_point epoch_{};
  bool has_epoch_ = false;
  std::thread thread_;
};

// Buses shared by the devices of one process, by BusSettings::key().
class BusRegistry {
 public:
  std::shared_ptr<Bus> acquire(const BusSettings& settings);

 private:
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<Bus>> buses_;
};

}  // namespace edgebridge::modbus
