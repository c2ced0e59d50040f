#pragma once
// The running gateway: it owns the event loop and what lives on it (the local
// broker connection, the remote links with their forwarders), the outbox
// store, the devices and the rules, and moves every message from its source to
// the routes the router picks.
//
// Threads: the event loop thread runs every MQTT connection, the routing and
// the rules' evaluation; devices, the rules' hold timer, the TLS watcher and
// the observer hand their work to it (post/call). start(), stop() and
// reload() are called from the main thread; the getters from any thread.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/config_diff.hpp"
#include "app/endpoints.hpp"
#include "app/tls_watcher.hpp"
#include "config/config.hpp"
#include "config/device_kind.hpp"
#include "core/event_loop.hpp"
#include "core/ingress.hpp"
#include "observe/gateway_view.hpp"
#include "ops/clock_check.hpp"
#include "outbox/outbox.hpp"
#include "routing/router.hpp"
#include "rules/rule_effects.hpp"
#include "rules/rules_engine.hpp"
#include "shadow/shadow_manager.hpp"

namespace edgebridge {

struct GatewayOptions {
  // When the local broker's PUBACKs are held back (local_link.hpp): after
  // `hold`, stop reading more and let the remotes acknowledge what is held;
  // after `hold` + `drain`, commit what they have not acknowledged.
  LocalHoldTiming hold;
  // A held message is committed at the latest this long after it arrived.
  std::chrono::milliseconds commit_delay{1000};
  // What the graceful parts of stop() may take (offline status, DISCONNECT).
  std::chrono::milliseconds stop_timeout{2000};
};

class Gateway final : public Ingress, public GatewayView, private RuleEffects, private ShadowHost {
 public:
  // Production: the real connections and the device kinds of `catalog`.
  Gateway(Config config, const DeviceCatalog& catalog, GatewayOptions options = {});
  // Tests: endpoints from `factory`.
  Gateway(Config config, std::unique_ptr<EndpointFactory> factory, GatewayOptions options = {});
  ~Gateway() override;
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Opens the outbox and starts the loop and every endpoint. Throws
  // std::runtime_error when the state directory cannot hold the outbox.
  void start();
  // Stops taking input, commits the outbox, disconnects cleanly.
  void stop();

  // Applies a newly loaded configuration without dropping messages (SIGHUP):
  // see config_diff.hpp for what changes live and what needs a restart.
  // Defined in gateway_reload.cpp. Returns what changed.
  ConfigDiff reload(Config next);

  // Any thread: a message from a device or a rule. Handled on the loop, after
  // whatever the loop is doing now (a result published from inside a delivery
  // waits for that delivery to finish).
  void ingest(const Source& source, Message message) override;

  // GatewayView (observe/gateway_view.hpp): what the observer reads, any thread.
  const Config& config() const override { return config_; }
  LinkStatus local_status() const override;
  std::vector<std::pair<std::string, LinkStatus>> remote_status() const override;
  std::vector<std::pair<std::string, OutboxCounters>> outbox_counters() const override;
  const GatewayCounters& counters() const override { return counters_; }
  std::vector<RuleMetrics> rule_metrics() const override;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> device_metrics() const override;
  bool publish_to_local_broker(const Message& message) override;
  std::map<std::string, DeviceActivity> device_activity() const override;
  std::chrono::system_clock::time_point config_loaded_at() const override;
  std::string clock_problem() const override { return clock_.problem(); }
  EventLoop& loop() { return loop_; }

 private:
  // Starts watching the remotes' TLS files (end of start()).
  void watch_tls_files();
  // The local broker's subscriptions: the routes' and the rules' FROM filters.
  std::vector<Subscription> local_subscriptions(const Router& routes) const;
  std::unique_ptr<RulesEngine> make_rules_engine(const Config& config);
  // A remote's link on its outbox queue (kept by name), subscribed to what
  // `routes` maps from it, waiting for a plausible clock before it connects.
  std::unique_ptr<RemoteEndpoint> make_remote(const RemoteConfig& remote, const GatewaySettings& gateway,
                                              const Router& routes);
  // Loop thread: a message from its source through the router (and the rules).
  Delivery dispatch(const Source& source, const Message& message, std::uint64_t receipt, std::string* why);
  Delivery deliver(const Route& route, std::uint64_t receipt, std::string* why);
  void on_local_message(const Message& message, std::uint64_t receipt);
  void on_remote_message(const std::string& remote, const Message& message);
  void on_dead_letter(const std::string& remote, const Message& message, const DeadLetter& why);
  void check_pressure();
  // Runs `task` on the loop and waits; stops remotes and waits for them.
  void stop_remotes(std::vector<RemoteEndpoint*> links);

  // RuleEffects: what rule actions do (from the loop, or the rules' timer thread).
  Delivery publish_local(const std::string& rule, const Message& message, std::string& why) override;
  Delivery publish_remote(const std::string& remote, const Message& message, std::string& why) override;
  Delivery command(const std::string& device, const std::string& name, const nlohmann::json& args,
                   std::string& why) override;
  // Loop thread: DeviceEndpoint::invoke, counted and shown as the device's last command.
  Delivery invoke_device(const std::string& device, const std::string& name, const nlohmann::json& args,
                         std::string& why, const std::string& label);

  // ShadowHost: what the device shadows do (loop thread).
  bool shadow_publish(const std::string& remote, const Message& message) override;
  Delivery shadow_invoke(const std::string& device, const std::string& command, const nlohmann::json& args,
                         std::string& why) override;
  void shadow_local(const std::string& device, Message message) override;
  void shadow_subscriptions(const std::string& remote, std::vector<std::string> topics) override;

  Config config_;
  std::unique_ptr<EndpointFactory> factory_;
  const GatewayOptions options_;
  GatewayCounters counters_;
  EventLoop loop_;
  std::thread loop_thread_;
  std::shared_ptr<const Router> router_;  // loop thread
  std::unique_ptr<OutboxStore> store_;
  std::unique_ptr<LocalEndpoint> local_;
  std::map<std::string, std::unique_ptr<RemoteEndpoint>> remotes_;
  std::map<std::string, std::unique_ptr<DeviceEndpoint>> devices_;
  std::unique_ptr<RulesEngine> rules_;  // null when bridge.yaml has no rules
  std::unique_ptr<ShadowManager> shadows_;  // the device shadows (loop thread; may hold none)
  std::unique_ptr<TlsWatcher> tls_watcher_;
  ClockCheck clock_;  // remotes connect only once the clock is plausible (ops/clock_check.hpp)
  std::atomic<bool> started_{false};
  std::atomic<bool> accepting_{false};
  bool reading_paused_ = false;  // loop thread: the outbox asked the local link to stop reading
  mutable std::mutex activity_mu_;
  std::map<std::string, DeviceActivity> activity_;
  std::atomic<std::int64_t> config_loaded_ms_{0};
  // Held shared by the getters that walk the maps; the loop thread holds it
  // exclusively while it changes them (start, reload, stop).
  mutable std::shared_mutex maps_mu_;
};

}  // namespace edgebridge
