#include "app/gateway.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

#include "core/text.hpp"

namespace edgebridge {
namespace {

SessionOptions local_options(const Config& c) {
  SessionOptions o;
  o.label = "local";
  o.url = c.local.url;
  o.client_id = c.local.client_id;
  o.username = c.local.username;
  o.password = c.local.password;
  o.keepalive = c.local.keepalive;
  o.protocol = c.local.protocol;
  // A persistent session: messages published while we restart wait in the broker.
  o.persistent_session = true;
  o.session_expiry = c.local.session_expiry;
  o.reconnect = c.local.reconnect;
  o.status_topic = c.gateway.status_topic;
  o.max_buffered = c.local.max_buffered;
  return o;
}

void make_directories(const std::string& path) {
  std::string partial;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      partial = path.substr(0, i);
      if (::mkdir(partial.c_str(), 0750) != 0 && errno != EEXIST)
        throw std::runtime_error("cannot create state directory \"" + partial + "\": " + errno_text(errno));
    }
  }
}

}  // namespace

Gateway::Gateway(Config config, const DeviceCatalog& catalog)
    : config_(std::move(config)),
      catalog_(catalog),
      router_(std::make_shared<Router>(config_.topics, config_.devices)) {}

Gateway::~Gateway() { stop(); }

std::shared_ptr<const Router> Gateway::router() const {
  std::lock_guard<std::mutex> lock(router_mu_);
  return router_;
}

void Gateway::start() {
  make_directories(config_.gateway.state_dir);
  OutboxOptions options;
  options.path = config_.gateway.state_dir + "/outbox.db";
  options.durability = config_.gateway.durability;
  store_ = std::make_unique<OutboxStore>(options);
  if (auto moved = store_->quarantined_path(); !moved.empty())
    spdlog::error("Outbox was corrupt and has been moved aside; starting empty. moved_to={}", moved);

  auto routes = router();
  for (const auto& r : config_.remotes) remotes_.emplace(r.name, make_remote_link(r, config_.gateway, *routes));
  local_ = std::make_unique<MqttSession>(local_options(config_),
                                         [this](Message m) { ingest(Source::local(), std::move(m)); });
  rules_ = make_rules_engine(config_);
  local_->set_subscriptions(local_subscriptions(*routes));

  for (const auto& d : config_.devices)
    if (auto device = make_device(d)) devices_.emplace(d.name, std::move(device));

  accepting_ = true;
  started_ = true;
  if (rules_) rules_->start();
  for (auto& [name, link] : remotes_) link->start();
  local_->start();
  for (auto& [name, device] : devices_) device->start(*this);
  watch_tls_files();
  spdlog::info("Gateway started. id={} remotes={} mappings={} devices={} rules={} outbox={}", config_.gateway.id,
               remotes_.size(), config_.topics.size(), devices_.size(),
               config_.rules ? config_.rules->rules.size() : 0, options.path);
}

void Gateway::stop() {
  if (!started_.exchange(false)) return;
  if (tls_watcher_) tls_watcher_->stop();
  if (rules_) rules_->stop();  // no more firings from the hold timer
  // Input first: devices, then the local broker. Until the local session is
  // closed its messages keep arriving and are committed like any other; after
  // it, the broker queues them in our persistent session for the next start.
  for (auto& [name, device] : devices_) device->stop();
  if (local_) local_->stop();
  accepting_ = false;
  if (store_) store_->flush();
  // Each remote says "offline" and disconnects, all at once: an unresponsive
  // one may take its whole disconnect timeout, and SIGTERM must end in seconds.
  std::vector<std::thread> stopping;
  for (auto& [name, link] : remotes_) stopping.emplace_back([l = link.get()] { l->stop(); });
  for (auto& t : stopping) t.join();
  std::unique_lock<std::shared_mutex> lock(lifecycle_mu_);  // wait for ingest() calls still running
  rules_.reset();
  remotes_.clear();
  devices_.clear();
  local_.reset();
  store_.reset();
  spdlog::info("Gateway stopped. id={}", config_.gateway.id);
}

void Gateway::ingest(const Source& source, Message message) {
  // A device may answer a command (a result message) from inside deliver(), on
  // a thread that already holds the lock: take it only at the outermost call.
  thread_local int depth = 0;
  std::shared_lock<std::shared_mutex> lock(lifecycle_mu_, std::defer_lock);
  if (depth == 0) lock.lock();
  ++depth;
  struct Leave {
    int& d;
    ~Leave() { --d; }
  } leave{depth};
  if (!accepting_.load()) return;
  switch (source.kind) {
    case SourceKind::local: ++counters_.received_local; break;
    case SourceKind::remote: ++counters_.received_remote; break;
    case SourceKind::device: ++counters_.received_device; break;
    case SourceKind::rule: break;
  }
  dispatch(source, message);
}

Delivery Gateway::dispatch(const Source& source, const Message& message, std::string* why) {
  auto routes = router()->route(source, message);
  if (routes.empty()) ++counters_.unrouted;
  Delivery result = Delivery::ok;
  for (const auto& r : routes) {
    const Delivery d = deliver(r, result == Delivery::ok ? why : nullptr);
    if (d == Delivery::error || (d == Delivery::retry && result == Delivery::ok)) result = d;
  }
  // Rules see every message in the local namespace: a remote's only after in-mapping.
  if (rules_) {
    if (source.kind != SourceKind::remote)
      rules_->on_message(source, message);
    else if (!routes.empty() && routes.front().target == TargetKind::local)
      rules_->on_message(source, routes.front().message);
  }
  return result;
}

Delivery Gateway::deliver(const Route& route, std::string* why) {
  switch (route.target) {
    case TargetKind::local:
      if (local_ && local_->publish(route.message)) {
        ++counters_.published_local;
        return Delivery::ok;
      }
      ++counters_.local_publish_failed;
      if (why) *why = "the local broker did not take it (disconnected and its buffer is full)";
      return Delivery::retry;
    case TargetKind::remote:
      if (auto it = remotes_.find(route.name); it != remotes_.end()) {
        const Delivery d = it->second->enqueue(route.message);
        ++counters_.to_outbox;
        if (d != Delivery::ok && why)
          *why = "the outbox of remote " + route.name + " refused it (full under overflow: drop_newest, or a storage error)";
        return d;
      }
      return Delivery::ok;
    case TargetKind::device:
      if (auto it = devices_.find(route.name); it != devices_.end()) {
        ++counters_.device_commands;
        const Delivery d = it->second->command(route.message);
        if (d != Delivery::ok && why) *why = "device " + route.name + " did not take the command (" + to_string(d) + ")";
        return d;
      }
      // The router knows the device but it is not running: a reload is
      // replacing it. Say so rather than drop the command silently.
      ++counters_.unrouted;
      spdlog::warn("Command not delivered; the device is being restarted by a reload. device={} topic={}", route.name,
                   route.message.topic);
      if (why) *why = "device " + route.name + " is being restarted by a reload";
      return Delivery::error;
  }
  return Delivery::ok;
}

Delivery Gateway::publish_local(const std::string& rule, const Message& message, std::string& why) {
  if (!accepting_.load()) {
    why = "the gateway is stopping";
    return Delivery::retry;
  }
  return dispatch(Source::rule(rule), message, &why);
}

Delivery Gateway::publish_remote(const std::string& remote, const Message& message, std::string& why) {
  auto it = remotes_.find(remote);
  if (it == remotes_.end()) {
    why = "no remote named " + remote;
    return Delivery::error;
  }
  const Delivery d = it->second->enqueue(message);
  ++counters_.to_outbox;
  if (d != Delivery::ok)
    why = "the outbox of remote " + remote + " refused it (full under overflow: drop_newest, or a storage error)";
  return d;
}

Delivery Gateway::command(const std::string& device, const std::string& name, const nlohmann::json& args,
                          std::string& why) {
  auto it = devices_.find(device);
  if (it == devices_.end()) {
    why = "no device named " + device;
    return Delivery::error;
  }
  ++counters_.device_commands;
  return it->second->invoke(name, args, why);
}

std::vector<RuleMetrics> Gateway::rule_metrics() const {
  std::shared_lock<std::shared_mutex> lock(lifecycle_mu_);  // reload() replaces the engine
  return rules_ ? rules_->metrics() : std::vector<RuleMetrics>{};
}

std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> Gateway::device_metrics() const {
  std::shared_lock<std::shared_mutex> lock(lifecycle_mu_);  // reload() changes the map
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> out;
  for (const auto& [name, device] : devices_) out.emplace_back(name, device->metrics());
  return out;
}

bool Gateway::publish_to_local_broker(const Message& message) {
  return accepting_.load() && local_ && local_->publish(message);
}

LinkStatus Gateway::local_status() const { return local_ ? local_->status() : LinkStatus{}; }

std::vector<std::pair<std::string, LinkStatus>> Gateway::remote_status() const {
  std::shared_lock<std::shared_mutex> lock(lifecycle_mu_);  // reload() changes the map
  std::vector<std::pair<std::string, LinkStatus>> out;
  for (const auto& [name, link] : remotes_) out.emplace_back(name, link->status());
  return out;
}

std::vector<std::pair<std::string, OutboxCounters>> Gateway::outbox_counters() const {
  std::shared_lock<std::shared_mutex> lock(lifecycle_mu_);  // reload() changes the map
  std::vector<std::pair<std::string, OutboxCounters>> out;
  for (const auto& [name, link] : remotes_) out.emplace_back(name, link->counters());
  return out;
}

}  // namespace edgebridge
