// Gateway::reload and what it shares with start(): applying a new bridge.yaml
// while messages keep flowing.
//
// Order of a reload, so that nothing stored is lost and no endpoint is used
// while it is being replaced (see Gateway::reload below for each step): the
// main thread prepares and waits for the goodbyes of the links that go; one
// task on the event loop swaps router, links, rules and configuration between
// two messages (nothing there waits on the network); the main thread then
// stops and starts the devices that changed, restarts the rules' timer and
// waits (briefly) for the brokers to confirm the changed subscriptions, and
// re-reads the TLS files before it says "Reloaded.".
#include <spdlog/spdlog.h>

#include <algorithm>

#include "app/gateway.hpp"
#include "app/subscription_answers.hpp"
#include "rules/rule_config.hpp"
#include "rules/subscription_merge.hpp"

namespace edgebridge {
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// How long "Reloaded." waits for the brokers to confirm changed subscriptions
// (a SUBACK takes milliseconds; a link that is down answers at once, false).
constexpr std::chrono::milliseconds kSubscriptionAnswerWait{3000};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out.empty() ? "-" : out;
}

}  // namespace

void Gateway::watch_tls_files() {
  tls_watcher_ = std::make_unique<TlsWatcher>(config_.gateway.tls_check_interval,
                                              [this](const std::string& remote, const TlsConfig& tls) {
                                                loop_.post([this, remote, tls] {
                                                  if (!accepting_.load()) return;
                                                  if (auto it = remotes_.find(remote); it != remotes_.end())
                                                    it->second->reload_tls(tls);
                                                });
                                              });
  tls_watcher_->set_remotes(config_.remotes);
  tls_watcher_->start();
}

std::vector<Subscription> Gateway::local_subscriptions(const Router& routes) const {
  auto subscriptions = routes.local_subscriptions();
  if (rules_)
    for (const auto& filter : rules_->filters()) subscriptions.push_back({filter, 1});
  return merge_subscriptions(subscriptions);
}

std::unique_ptr<RemoteEndpoint> Gateway::make_remote(const RemoteConfig& remote, const GatewaySettings& gateway,
                                                     const Router& routes) {
  RemoteHooks hooks;
  hooks.on_message = [this](const std::string& name, const Message& m) { on_remote_message(name, m); };
  hooks.on_dead_letter = [this](const std::string& name, const Message& m, const DeadLetter& why) {
    on_dead_letter(name, m, why);
  };
  hooks.releases = local_ ? &local_->releases() : nullptr;
  // TLS needs a plausible clock; everything else runs meanwhile.
  hooks.connect_gate = [this] { return clock_.problem(); };
  // The device shadows: their topics go to them, and they hear the link go up and down.
  hooks.on_service_message = [this](const std::string& name, const Message& m) {
    if (shadows_ && accepting_.load()) shadows_->on_cloud_message(name, m);
  };
  hooks.on_link_change = [this](const std::string& name, bool up) {
    if (shadows_) shadows_->on_link(name, up);
  };
  // The same queue (by name) as before a reload: nothing stored is lost.
  auto link = factory_->remote(loop_, remote, gateway, store_->queue(remote.name, remote.outbox), std::move(hooks));
  link->set_subscriptions(routes.remote_subscriptions(remote.name));
  if (shadows_) link->set_service_subscriptions(shadows_->subscriptions(remote.name));
  return link;
}

std::unique_ptr<RulesEngine> Gateway::make_rules_engine(const Config& config) {
  if (!config.rules || config.rules->rules.empty()) return nullptr;
  RulesEngine::Options options;
  options.state_path = config.gateway.state_dir + "/outbox.db";  // holds live next to the outbox
  return std::make_unique<RulesEngine>(config.rules, static_cast<RuleEffects&>(*this), options);
}

ConfigDiff Gateway::reload(Config loaded) {
  ConfigDiff diff = diff_config(config_, loaded);
  for (const auto& key : diff.restart_keys)
    spdlog::warn("Setting changed, but it cannot change while running; restart to apply. key={}", key);
  Config next = live_config(config_, std::move(loaded));
  if (!started_.load()) {
    config_ = std::move(next);
    return diff;
  }

  // 1. Prepare: the new router; the rules' timer stops (it acts on the maps);
  //    the links of changed and removed remotes say goodbye. A changed link
  //    stays in the map meanwhile: what is routed to it goes into its queue,
  //    which outlives the link.
  auto routes = std::make_shared<const Router>(next.topics, next.devices);
  if (rules_) rules_->stop();
  {
    std::vector<RemoteEndpoint*> leaving;
    for (const auto& name : diff.remotes_changed) leaving.push_back(remotes_.at(name).get());
    for (const auto& name : diff.remotes_removed) leaving.push_back(remotes_.at(name).get());
    stop_remotes(leaving);
  }
  std::unique_ptr<RulesEngine> fresh_rules;
  if (diff.rules_changed) fresh_rules = make_rules_engine(next);  // its hold state is in its table

  // 2. Swap on the loop, between two messages: router, links, rules, devices
  //    taken out, configuration.
  std::vector<std::unique_ptr<DeviceEndpoint>> retired_devices;
  std::unique_ptr<RulesEngine> retired_rules;
  std::vector<std::pair<std::string, std::uint64_t>> removed_depths;
  SubscriptionAnswers answers;
  loop_.call([&] {
    std::unique_lock<std::shared_mutex> lock(maps_mu_);
    router_ = routes;
    for (const auto& name : diff.remotes_removed) {
      removed_depths.emplace_back(name, remotes_.at(name)->counters().depth);
      remotes_.erase(name);
    }
    for (const auto& r : next.remotes) {
      if (!contains(diff.remotes_added, r.name) && !contains(diff.remotes_changed, r.name)) continue;
      remotes_[r.name] = make_remote(r, next.gateway, *routes);  // a changed one's old link goes here
    }
    for (const auto& name : diff.devices_removed)
      if (auto it = devices_.find(name); it != devices_.end()) {
        retired_devices.push_back(std::move(it->second));
        devices_.erase(it);
      }
    for (const auto& name : diff.devices_changed)
      if (auto it = devices_.find(name); it != devices_.end()) {
        retired_devices.push_back(std::move(it->second));
        devices_.erase(it);
      }
    if (diff.rules_changed) {
      retired_rules = std::move(rules_);
      rules_ = std::move(fresh_rules);
    }
    config_ = std::move(next);
    if (shadows_) shadows_->configure(config_.devices, config_.remotes);
    config_loaded_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    for (auto& [name, link] : remotes_) {
      if (contains(diff.remotes_added, name) || contains(diff.remotes_changed, name))
        link->start();
      else {
        link->set_subscriptions(routes->remote_subscriptions(name));
        link->when_subscribed(answers.expect(name));
      }
    }
    if (local_) {
      local_->set_subscriptions(local_subscriptions(*routes));
      local_->when_subscribed(answers.expect("local"));
    }
  });
  for (const auto& [name, depth] : removed_depths)
    spdlog::warn("Remote removed; its stored messages stay in the outbox database until it is configured again. "
                 "remote={} stored={}",
                 name, depth);
  retired_rules.reset();

  // 3. Devices: stop what left, start what came.
  for (auto& device : retired_devices) device->stop();
  retired_devices.clear();
  std::map<std::string, std::unique_ptr<DeviceEndpoint>> fresh_devices;
  for (const auto& d : config_.devices) {
    if (!contains(diff.devices_added, d.name) && !contains(diff.devices_changed, d.name)) continue;
    if (auto device = factory_->device(d)) {
      device->start(*this);
      fresh_devices.emplace(d.name, std::move(device));
    }
  }
  if (!fresh_devices.empty())
    loop_.call([&] {
      std::unique_lock<std::shared_mutex> lock(maps_mu_);
      for (auto& [name, device] : fresh_devices) devices_[name] = std::move(device);
    });
  if (rules_) rules_->start();
  // Before the TLS check: a remote it reconnects would answer false.
  const auto unconfirmed = answers.wait(kSubscriptionAnswerWait);
  if (!unconfirmed.empty())
    spdlog::warn(
        "Subscriptions not confirmed by the broker (link down, slow, or a filter refused); a new mapping takes "
        "messages once they are. links={}",
        joined(unconfirmed));
  tls_watcher_->set_interval(config_.gateway.tls_check_interval);
  tls_watcher_->set_remotes(config_.remotes);
  const int rotated = tls_watcher_->check_now();  // the files of unchanged remotes too

  spdlog::info(
      "Reloaded. routes={} routes_changed={} remotes_added={} remotes_removed={} remotes_changed={} "
      "devices_added={} devices_removed={} devices_changed={} rules_changed={} tls_reloaded={} restart_needed={} "
      "subscriptions_unconfirmed={}",
      config_.topics.size(), diff.routes_changed, joined(diff.remotes_added), joined(diff.remotes_removed),
      joined(diff.remotes_changed), joined(diff.devices_added), joined(diff.devices_removed),
      joined(diff.devices_changed), diff.rules_changed, rotated, joined(diff.restart_keys), joined(unconfirmed));
  return diff;
}

}  // namespace edgebridge
