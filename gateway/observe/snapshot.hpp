#pragma once
// What the gateway looks like at one moment: links, counters, outbox, devices,
// rules and the health verdict. Plain data, so /metrics, /stats, the stats
// topic and `edgebridge status` render the same facts, and tests can build one.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/link_status.hpp"
#include "observe/health.hpp"
#include "outbox/outbox.hpp"
#include "rules/rules_engine.hpp"

namespace edgebridge {

class GatewayView;

struct RemoteSnapshot {
  std::string name;
  LinkStatus link;
  OutboxCounters outbox;
};

struct SeenMessage {
  std::string topic;
  std::string payload;  // a preview
  std::chrono::system_clock::time_point at{};
};

struct DeviceSnapshot {
  std::string name;
  std::string type;
  std::vector<std::pair<std::string, double>> metrics;  // DeviceEndpoint::metrics()
  std::optional<SeenMessage> last_message;  // the device's last reading, error or result
  std::optional<SeenMessage> last_command;
  std::string last_command_delivery;
};

// One of the newest dead letters (observe/recent_dead_letters.hpp), without its payload.
struct DeadLetterNote {
  std::string remote;
  std::string topic;
  std::string reason;  // DeadLetterReason's name
  std::string detail;
  std::chrono::system_clock::time_point failed_at{};
};

struct MessageCounts {
  std::uint64_t received_local = 0;
  std::uint64_t received_remote = 0;
  std::uint64_t received_device = 0;
  std::uint64_t published_local = 0;
  std::uint64_t local_publish_failed = 0;
  std::uint64_t to_outbox = 0;
  std::uint64_t device_commands = 0;
  std::uint64_t unrouted = 0;
};

struct GatewaySnapshot {
  std::string id;
  std::string version;
  std::chrono::system_clock::time_point taken_at{};
  std::chrono::system_clock::time_point started_at{};
  LinkStatus local;
  std::vector<RemoteSnapshot> remotes;
  MessageCounts messages;
  std::vector<DeviceSnapshot> devices;
  std::vector<RuleMetrics> rules;
  HealthVerdict health;
  std::string config_file;
  std::chrono::system_clock::time_point config_loaded_at{};
  std::string clock_problem;  // empty: the clock is plausible and the remotes may connect
  // Filled by the observer: the newest dead letters (newest first), or why
  // they are not listed although there are some.
  std::vector<DeadLetterNote> newest_dead_letters;
  std::string dead_letters_note;
};

// Reads the running gateway's accessors; `health` is filled by the caller.
GatewaySnapshot take_snapshot(const GatewayView& gateway, std::chrono::system_clock::time_point started_at);

}  // namespace edgebridge
