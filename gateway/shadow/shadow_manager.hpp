#pragma once
// The device shadows of the running gateway (docs/shadows.md), on the event
// loop: it hands each device's messages and each shadow topic's messages to
// that device's DeviceShadow, publishes their requests on their remote's
// connection, keeps their state in the outbox database (ShadowStore) and shows
// it on the local broker, retained: <local_topic>/reported, /desired, /delta.
//
// Why shadow requests do not go through the remote's outbox queue: the outbox
// keeps every message, in order, behind whatever waits before it; a shadow
// update is coalesced state, worth sending only while the remote is connected
// and only in its latest form (a queued copy would go out after the backlog of
// readings, and once per change). So the pending state is kept per device in
// its own table, and a request is published on the remote's connection while
// it is up (QoS 0, outside the forwarder's window: it takes no slot of the
// broker's Receive Maximum), its answer (accepted/rejected with the
// clientToken) being the acknowledgement; an unanswered request is asked
// again. At most kWindow requests per remote await an answer at once (AWS IoT
// refuses more than 10 in flight per connection with 429). Readings still go
// through the outbox as before.
//
// Loop thread only, except construction and destruction (main thread, loop
// not running its timers).

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/delivery.hpp"
#include "core/event_loop.hpp"
#include "core/message.hpp"
#include "shadow/device_shadow.hpp"
#include "shadow/shadow_store.hpp"

namespace edgebridge {

// What the shadows do through the gateway (loop thread).
class ShadowHost {
 public:
  virtual ~ShadowHost() = default;
  // Publishes on the remote's connection now; false when it is not connected.
  virtual bool shadow_publish(const std::string& remote, const Message& message) = 0;
  // DeviceEndpoint::invoke of the device: its own checks apply.
  virtual Delivery shadow_invoke(const std::string& device, const std::string& command, const nlohmann::json& args,
                                 std::string& why) = 0;
  // A message into the local namespace, as coming from the device (the local view).
  virtual void shadow_local(const std::string& device, Message message) = 0;
  // The topics the remote's link subscribes to for the shadows (replaces the previous list).
  virtual void shadow_subscriptions(const std::string& remote, std::vector<std::string> topics) = 0;
};

class ShadowManager {
 public:
  static constexpr std::size_t kWindow = 8;

  // Opens the shadow table in `state_path` (the outbox database) and reads
  // what was saved. Throws std::runtime_error when it cannot.
  ShadowManager(EventLoop& loop, ShadowHost& host, const std::string& state_path);
  ~ShadowManager();
  ShadowManager(const ShadowManager&) = delete;
  ShadowManager& operator=(const ShadowManager&) = delete;

  // The devices with a shadow now (at start and after a reload): unchanged
  // entries keep their shadow as it is; new and changed ones start from what
  // was saved; removed ones are forgotten. Sets every remote's subscriptions.
  void configure(const std::vector<DeviceConfig>& devices, const std::vector<RemoteConfig>& remotes);
  std::vector<std::string> subscriptions(const std::string& remote) const;
  bool empty() const { return shadows_.empty(); }

  void on_device_message(const std::string& device, const Message& message);
  // A message on a shadow topic of `remote`.
  void on_cloud_message(const std::string& remote, const Message& message);
  void on_link(const std::string& remote, bool connected);
  // Cancels the timer and writes what is not saved yet.
  void stop();

  // Snapshot for tests and the log.
  std::vector<ShadowRecord> records() const;

 private:
  struct Entry {
    std::unique_ptr<DeviceShadow> shadow;
    std::string fingerprint;                   // the device entry as configured
    std::map<std::string, std::string> shown;  // local topic -> payload last published
  };

  void after(Entry& entry);
  void pump(const std::string& remote);
  void schedule();
  void on_timer();
  void show(const std::string& device, Entry& entry);

  EventLoop& loop_;
  ShadowHost& host_;
  ShadowStore store_;
  std::map<std::string, ShadowRecord> saved_;    // by device: what the store holds (or will)
  std::map<std::string, Entry> shadows_;         // by device
  std::map<std::string, std::string> by_topic_;  // shadow topic -> device
  std::map<std::string, bool> connected_;        // by remote
  std::vector<std::string> remotes_;
  std::string ids_;
  std::uint64_t next_shadow_ = 0;
  EventLoop::TimerId timer_ = 0;
  EventLoop::Clock::time_point timer_at_{};
  bool stopped_ = false;
};

}  // namespace edgebridge
