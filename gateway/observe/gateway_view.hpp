#pragma once
// What the observer (/metrics, /healthz, /stats, the status page, the stats
// topic) reads from the running gateway. app/gateway.hpp implements it; observe/
// sees only this, so it does not depend on the composition root.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "core/link_status.hpp"
#include "core/message.hpp"
#include "outbox/outbox.hpp"
#include "rules/rules_engine.hpp"

namespace edgebridge {

struct GatewayCounters {
  std::atomic<std::uint64_t> received_local{0};
  std::atomic<std::uint64_t> received_remote{0};
  std::atomic<std::uint64_t> received_device{0};
  std::atomic<std::uint64_t> published_local{0};
  std::atomic<std::uint64_t> local_publish_failed{0};
  std::atomic<std::uint64_t> to_outbox{0};
  std::atomic<std::uint64_t> device_commands{0};
  std::atomic<std::uint64_t> unrouted{0};
  std::atomic<std::uint64_t> dead_letters{0};
};

// What a device did last, for the status page: its last message and the last
// command delivered to it (payloads cut to a preview).
struct DeviceActivity {
  struct Seen {
    std::string topic;
    std::string payload;  // at most kPreviewBytes, then "..."
    std::chrono::system_clock::time_point at{};
  };
  static constexpr std::size_t kPreviewBytes = 200;
  std::optional<Seen> last_message;
  std::optional<Seen> last_command;
  std::string last_command_delivery;  // ok, retry or error, and why
};

class GatewayView {
 public:
  virtual ~GatewayView() = default;
  virtual const Config& config() const = 0;
  virtual LinkStatus local_status() const = 0;
  virtual std::vector<std::pair<std::string, LinkStatus>> remote_status() const = 0;
  virtual std::vector<std::pair<std::string, OutboxCounters>> outbox_counters() const = 0;
  virtual const GatewayCounters& counters() const = 0;
  // Per rule: evaluations, firings, errors (empty without rules).
  virtual std::vector<RuleMetrics> rule_metrics() const = 0;
  // Per device, by name: its adapter's metrics() (for /metrics and the stats topic).
  virtual std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> device_metrics() const = 0;
  // Publishes on the local broker connection (kept while it is down); false
  // when the gateway is not running.
  virtual bool publish_to_local_broker(const Message& message) = 0;
  // Per device, by name.
  virtual std::map<std::string, DeviceActivity> device_activity() const = 0;
  // When the running configuration was loaded (start or the last reload).
  virtual std::chrono::system_clock::time_point config_loaded_at() const = 0;
  // Empty when the clock is plausible; else why the remotes wait.
  virtual std::string clock_problem() const = 0;
};

}  // namespace edgebridge
