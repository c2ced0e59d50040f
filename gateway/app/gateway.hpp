#pragma once
// The running gateway: it owns the endpoints (local broker session, remote
// links, device adapters), the outbox store and the current router, and moves
// every message from its source to the routes the router picks.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "app/config_diff.hpp"
#include "app/remote_link.hpp"
#include "app/tls_watcher.hpp"
#include "config/config.hpp"
#include "core/device.hpp"
#include "core/ingress.hpp"
#include "mqtt/mqtt_session.hpp"
#include "ops/clock_check.hpp"
#include "outbox/outbox.hpp"
#include "routing/router.hpp"
#include "rules/rule_effects.hpp"
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
};

class Gateway final : public Ingress, private RuleEffects {
 public:
  Gateway(Config config, const DeviceCatalog& catalog);
  ~Gateway() override;
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Opens the outbox and starts every endpoint. Throws std::runtime_error when
  // the state directory cannot hold the outbox.
  void start();
  // Stops taking input, commits the outbox, disconnects cleanly.
  void stop();

  // Applies a newly loaded configuration without dropping messages (SIGHUP):
  // see config_diff.hpp for what changes live and what needs a restart.
  // Defined in gateway_reload.cpp. Returns what changed.
  ConfigDiff reload(Config next);

  void ingest(const Source& source, Message message) override;

  const Config& config() const { return config_; }
  LinkStatus local_status() const;
  std::vector<std::pair<std::string, LinkStatus>> remote_status() const;
  std::vector<std::pair<std::string, OutboxCounters>> outbox_counters() const;
  const GatewayCounters& counters() const { return counters_; }
  // Per rule: evaluations, firings, errors (empty without rules).
  std::vector<RuleMetrics> rule_metrics() const;
  // Per device, by name: its adapter's metrics() (for /metrics and the stats topic).
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> device_metrics() const;
  // Publishes on the local broker session (buffered while it is down); false if not taken.
  bool publish_to_local_broker(const Message& message);

 private:
  std::shared_ptr<const Router> router() const;
  // Starts watching the remotes' TLS files (end of start()).
  void watch_tls_files();
  // The local broker's subscriptions: the routes' and the rules' FROM filters.
  std::vector<Subscription> local_subscriptions(const Router& routes) const;
  std::unique_ptr<RulesEngine> make_rules_engine(const Config& config);
  // A remote's link on its outbox queue (kept by name), subscribed to what
  // `routes` maps from it, waiting for a plausible clock before it connects.
  std::unique_ptr<RemoteLink> make_remote_link(const RemoteConfig& remote, const GatewaySettings& gateway,
                                               const Router& routes);
  // The device from its kind in the catalog (null for a type no kind has).
  std::unique_ptr<DeviceEndpoint> make_device(const DeviceConfig& device) const;
  // Routes a message in and hands it to the rules; the worst delivery result.
  Delivery dispatch(const Source& source, const Message& message, std::string* why = nullptr);
  Delivery deliver(const Route& route, std::string* why);

  // RuleEffects: what rule actions do.
  Delivery publish_local(const std::string& rule, const Message& message, std::string& why) override;
  Delivery publish_remote(const std::string& remote, const Message& message, std::string& why) override;
  Delivery command(const std::string& device, const std::string& name, const nlohmann::json& args,
                   std::string& why) override;

  Config config_;
  const DeviceCatalog& catalog_;
  GatewayCounters counters_;
  std::shared_ptr<const Router> router_;
  mutable std::mutex router_mu_;
  std::unique_ptr<OutboxStore> store_;
  std::unique_ptr<MqttSession> local_;
  std::map<std::string, std::unique_ptr<RemoteLink>> remotes_;
  std::map<std::string, std::unique_ptr<DeviceEndpoint>> devices_;
  std::unique_ptr<RulesEngine> rules_;  // null when bridge.yaml has no rules
  std::unique_ptr<TlsWatcher> tls_watcher_;
  ClockCheck clock_;  // remotes connect only once the clock is plausible (ops/clock_check.hpp)  // certificate rotation (tls_watcher.hpp)
  std::atomic<bool> started_{false};
  std::atomic<bool> accepting_{false};
  // ingest() holds it shared; stop() takes it exclusively before destroying endpoints.
  mutable std::shared_mutex lifecycle_mu_;
};

}  // namespace edgebridge
