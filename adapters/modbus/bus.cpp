#include "modbus/bus.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace edgebridge::modbus {

Bus::Bus(BusSettings settings)
    : settings_(std::move(settings)), link_(settings_), backoff_(settings_.reconnect) {}

Bus::~Bus() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Bus::Slot* Bus::find(BusMember* member) {
  for (auto& s : slots_)
    if (s.member == member) return &s;
  return nullptr;
}

void Bus::enroll(BusMember* member) {
  std::lock_guard<std::mutex> lock(mu_);
  if (find(member)) return;
  Slot slot;
  slot.member = member;
  slot.place = enrolled_++;
  slots_.push_back(slot);
}

void Bus::withdraw(BusMember* member) {
  detach(member);
  std::lock_guard<std::mutex> lock(mu_);
  slots_.remove_if([&](const Slot& s) { return s.member == member; });
}

void Bus::attach(BusMember* member) {
  std::thread old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot* slot = find(member);
    if (!slot) {
      slots_.push_back(Slot{member, enrolled_++, false, {}});
      slot = &slots_.back();
    }
    if (slot->active) return;
    const auto now = SteadyClock::now();
    if (!has_epoch_) {
      epoch_ = now;
      has_epoch_ = true;
    }
    // Spread the members over their interval by their place: with 100 devices
    // polled every second, one starts every 10 ms instead of all at once.
    const auto interval = std::chrono::duration_cast<SteadyClock::duration>(member->poll_interval());
    const auto offset = interval * static_cast<long>(slot->place) / static_cast<long>(std::max<std::size_t>(1, enrolled_));
    slot->due = std::max(now, epoch_ + offset);
    slot->active = true;
    if (!thread_.joinable()) {
      stopping_ = false;
      thread_ = std::thread([this] { run(); });
    }
  }
  cv_.notify_all();
}

std::deque<WriteCommand> Bus::detach(BusMember* member) {
  std::deque<WriteCommand> dropped;
  std::thread finished;
  {
    std::unique_lock<std::mutex> lock(mu_);
    Slot* slot = find(member);
    if (!slot || !slot->active) return dropped;
    slot->active = false;
    for (auto it = writes_.begin(); it != writes_.end();) {
      if (it->member == member) {
        dropped.push_back(std::move(it->command));
        it = writes_.erase(it);
      } else {
        ++it;
      }
    }
    cv_.wait(lock, [&] { return busy_ != member; });
    const bool any_active = std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.active; });
    if (!any_active) {
      stopping_ = true;
      finished = std::move(thread_);
      has_epoch_ = false;
    }
  }
  cv_.notify_all();
  if (finished.joinable()) finished.join();
  return dropped;
}

bool Bus::submit(BusMember* member, WriteCommand command, std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot* slot = find(member);
    if (!slot || !slot->active || stopping_) {
      why = "the device is not running";
      return false;
    }
    if (writes_.size() >= kMaxQueuedWrites) {
      why = "the bus is busy: " + std::to_string(writes_.size()) + " writes are already waiting";
      return false;
    }
    writes_.push_back(QueuedWrite{member, std::move(command)});
  }
  cv_.notify_all();
  return true;
}

std::string Bus::ensure_link() {
  const auto now = SteadyClock::now();
  if (link_.connected()) return {};
  if (was_connected_) {
    was_connected_ = false;
    backoff_.connection_ended(std::chrono::duration_cast<Duration>(now - connected_at_));
    next_connect_ = now;  // the first attempt after a loss is immediate
    spdlog::warn("Modbus link lost. bus={}", describe());
  }
  if (now < next_connect_) return link_error_;
  Duration longest_timeout{1000};
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : slots_)
      if (s.active) longest_timeout = std::max(longest_timeout, s.member->timeout());
  }
  std::string why;
  if (!link_.connect(why, std::min(Duration(5000), longest_timeout * 2))) {
    const Duration delay = backoff_.next();
    next_connect_ = SteadyClock::now() + delay;
    if (why != link_error_ || spdlog::should_log(spdlog::level::debug))
      spdlog::warn("Modbus connect failed. bus={} error=\"{}\" retry_in={}", describe(), why, format_duration(delay));
    link_error_ = why;
    return why;
  }
  was_connected_ = true;
  connected_at_ = SteadyClock::now();
  link_error_.clear();
  spdlog::info("Modbus link up. bus={}", describe());
  if (auto note = link_.last_connect_note(); !note.empty())
    spdlog::warn("Modbus link note. bus={} note=\"{}\"", describe(), note);
  return {};
}

void Bus::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!writes_.empty()) {
      QueuedWrite job = std::move(writes_.front());
      writes_.pop_front();
      busy_ = job.member;
      lock.unlock();
      const std::string error = ensure_link();
      job.member->write(error.empty() ? &link_ : nullptr, error, std::move(job.command));
      lock.lock();
      busy_ = nullptr;
      cv_.notify_all();
      continue;
    }
    Slot* next = nullptr;
    for (auto& s : slots_)
      if (s.active && (!next || s.due < next->due)) next = &s;
    if (!next) {
      cv_.wait(lock);
      continue;
    }
    const auto now = SteadyClock::now();
    if (next->due > now) {
      cv_.wait_until(lock, next->due);
      continue;
    }
    BusMember* member = next->member;
    const auto scheduled = next->due;
    busy_ = member;
    lock.unlock();
    const std::string error = ensure_link();
    member->poll(error.empty() ? &link_ : nullptr, error, scheduled);
    lock.lock();
    busy_ = nullptr;
    cv_.notify_all();
    // Drift-free: due times stay on the grid of the first one. When the bus
    // fell behind by whole intervals, those polls are skipped, not bunched.
    if (Slot* slot = find(member); slot && slot->active) {
      const auto interval = std::chrono::duration_cast<SteadyClock::duration>(member->poll_interval());
      slot->due = scheduled + interval;
      const auto after = SteadyClock::now();
      if (slot->due <= after - interval) {
        const auto behind = (after - slot->due) / interval;
        slot->due += interval * behind;
        member->polls_skipped(static_cast<std::uint64_t>(behind));
      }
    }
  }
  lock.unlock();
  link_.close();
  was_connected_ = false;
}

std::shared_ptr<Bus> BusRegistry::acquire(const BusSettings& settings) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& weak = buses_[settings.key()];
  if (auto bus = weak.lock()) return bus;
  auto bus = std::make_shared<Bus>(settings);
  weak = bus;
  return bus;
}

}  // namespace edgebridge::modbus
