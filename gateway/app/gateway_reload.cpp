// Gateway::reload and what it shares with start(): applying a new bridge.yaml
// while messages keep flowing.
//
// Order of a reload, so that nothing stored is lost and no endpoint is used
// while it is being replaced:
//  1. Outside the lock: build the new router; stop the rules' timer; stop the
//     links of changed remotes (they stay in the map: messages routed to them
//     keep going into their outbox queue, which outlives the link); create the
//     links of added and changed remotes (not started).
//  2. Under lifecycle_mu_ held exclusively (no ingest() runs): swap the router,
//     the remote links, take out removed and changed devices, replace the rules
//     engine, replace the configuration. Nothing here waits on the network.
//  3. Outside the lock: stop what was taken out; create and start the new
//     devices and put them in; start the new links; update the subscriptions
//     (after the router swap, so a message on a new filter has its route);
//     restart the rules' timer; re-read the TLS files.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "app/gateway.hpp"
#include "rules/rule_config.hpp"
#include "rules/subscription_merge.hpp"

namespace edgebridge {
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out.empty() ? "-" : out;
}

}  // namespace

void Gateway::watch_tls_files() {
  tls_watcher_ = std::make_unique<TlsWatcher>(config_.gateway.tls_check_interval,
                                              [this](const std::string& remote, const TlsConfig& tls) {
                                                std::shared_lock<std::shared_mutex> lock(lifecycle_mu_);
                                                if (!accepting_.load()) return;
                                                if (auto it = remotes_.find(remote); it != remotes_.end())
                                                  it->second->reload_tls(tls);
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

std::unique_ptr<RemoteLink> Gateway::make_remote_link(const RemoteConfig& remote, const GatewaySettings& gateway,
                                                      const Router& routes) {
  auto link = std::make_unique<RemoteLink>(remote, gateway, store_->queue(remote.name, remote.outbox), *this);
  link->set_subscriptions(routes.remote_subscriptions(remote.name));
  // TLS needs a plausible clock; everything else runs meanwhile.
  link->set_connect_gate([this] { return clock_.problem(); });
  return link;
}

std::unique_ptr<DeviceEndpoint> Gateway::make_device(const DeviceConfig& device) const {
  for (const auto& kind : catalog_)
    if (kind->type() == device.type) return kind->create(device);
  return nullptr;
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

  // 1. Prepare, outside the lock.
  auto routes = std::make_shared<const Router>(next.topics, next.devices);
  if (rules_) rules_->stop();  // its timer thread uses the endpoint maps
  for (const auto& name : diff.remotes_changed) remotes_.at(name)->stop();
  std::map<std::string, std::unique_ptr<RemoteLink>> fresh_links;
  for (const auto& r : next.remotes) {
    if (!contains(diff.remotes_added, r.name) && !contains(diff.remotes_changed, r.name)) continue;
    // The same queue (by name) as before: nothing stored is lost.
    fresh_links.emplace(r.name, make_remote_link(r, next.gateway, *routes));
  }

  // 2. Swap, with no message in flight through the gateway.
  std::vector<std::unique_ptr<RemoteLink>> retired_links;
  std::vector<std::unique_ptr<DeviceEndpoint>> retired_devices;
  std::unique_ptr<RulesEngine> retired_rules;
  {
    std::unique_lock<std::shared_mutex> lock(lifecycle_mu_);
    {
      std::lock_guard<std::mutex> router_lock(router_mu_);
      router_ = routes;
    }
    for (const auto& name : diff.remotes_removed) {
      retired_links.push_back(std::move(remotes_.at(name)));
      remotes_.erase(name);
    }
    for (auto& [name, link] : fresh_links) {
      if (auto it = remotes_.find(name); it != remotes_.end()) retired_links.push_back(std::move(it->second));
      remotes_[name] = std::move(link);
    }
    for (const auto& name : diff.devices_removed) {
      if (auto it = devices_.find(name); it != devices_.end()) {
        retired_devices.push_back(std::move(it->second));
        devices_.erase(it);
      }
    }
    for (const auto& name : diff.devices_changed) {
      if (auto it = devices_.find(name); it != devices_.end()) {
        retired_devices.push_back(std::move(it->second));
        devices_.erase(it);
      }
    }
    if (diff.rules_changed) {
      retired_rules = std::move(rules_);
      retired_rules.reset();  // its state is in its table; the new engine reads it back
      rules_ = make_rules_engine(next);
    }
    config_ = std::move(next);
  }

  // 3. Stop what left, start what came.
  for (auto& link : retired_links) {
    link->stop();
    if (contains(diff.remotes_removed, link->name()))
      spdlog::warn("Remote removed; its stored messages stay in the outbox database until it is configured again. "
                   "remote={} stored={}",
                   link->name(), link->counters().depth);
  }
  retired_links.clear();
  for (auto& device : retired_devices) device->stop();
  retired_devices.clear();
  std::map<std::string, std::unique_ptr<DeviceEndpoint>> fresh_devices;
  for (const auto& d : config_.devices) {
    if (!contains(diff.devices_added, d.name) && !contains(diff.devices_changed, d.name)) continue;
    if (auto device = make_device(d)) {
      device->start(*this);
      fresh_devices.emplace(d.name, std::move(device));
    }
  }
  if (!fresh_devices.empty()) {
    std::unique_lock<std::shared_mutex> lock(lifecycle_mu_);
    for (auto& [name, device] : fresh_devices) devices_[name] = std::move(device);
  }
  for (auto& [name, link] : remotes_) {
    if (contains(diff.remotes_added, name) || contains(diff.remotes_changed, name))
      link->start();
    else
      link->set_subscriptions(routes->remote_subscriptions(name));
  }
  local_->set_subscriptions(local_subscriptions(*routes));
  if (rules_) rules_->start();
  tls_watcher_->set_interval(config_.gateway.tls_check_interval);
  tls_watcher_->set_remotes(config_.remotes);
  const int rotated = tls_watcher_->check_now();  // the files of unchanged remotes too

  spdlog::info(
      "Reloaded. routes={} routes_changed={} remotes_added={} remotes_removed={} remotes_changed={} "
      "devices_added={} devices_removed={} devices_changed={} rules_changed={} tls_reloaded={} restart_needed={}",
      config_.topics.size(), diff.routes_changed, joined(diff.remotes_added), joined(diff.remotes_removed),
      joined(diff.remotes_changed), joined(diff.devices_added), joined(diff.devices_removed),
      joined(diff.devices_changed), diff.rules_changed, rotated, joined(diff.restart_keys));
  return diff;
}

}  // namespace edgebridge
