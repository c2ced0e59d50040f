#include "app/gateway.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

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
        throw std::runtime_error("cannot create state directory \"" + partial + "\": " + std::strerror(errno));
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
  for (const auto& r : config_.remotes) {
    auto& queue = store_->queue(r.name, r.outbox);
    auto link = std::make_unique<RemoteLink>(r, config_.gateway, queue, *this);
    link->set_subscriptions(routes->remote_subscriptions(r.name));
    remotes_.emplace(r.name, std::move(link));
  }
  local_ = std::make_unique<MqttSession>(local_options(config_),
                                         [this](Message m) { ingest(Source::local(), std::move(m)); });
  local_->set_subscriptions(routes->local_subscriptions());

  for (const auto& d : config_.devices) {
    for (const auto& kind : catalog_) {
      if (kind->type() == d.type) devices_.emplace(d.name, kind->create(d));
    }
  }

  accepting_ = true;
  started_ = true;
  for (auto& [name, link] : remotes_) link->start();
  local_->start();
  for (auto& [name, device] : devices_) device->start(*this);
  spdlog::info("Gateway started. id={} remotes={} mappings={} devices={} outbox={}", config_.gateway.id,
               remotes_.size(), config_.topics.size(), devices_.size(), options.path);
}

void Gateway::stop() {
  if (!started_.exchange(false)) return;
  // Input first: devices, then the local broker. Until the local session is
  // closed its messages keep arriving and are committed like any other; after
  // it, the broker queues them in our persistent session for the next start.
  for (auto& [name, device] : devices_) device->stop();
  if (local_) local_->stop();
  accepting_ = false;
  if (store_) store_->flush();
  for (auto& [name, link] : remotes_) link->stop();
  std::unique_lock<std::shared_mutex> lock(lifecycle_mu_);  // wait for ingest() calls still running
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
  auto routes = router()->route(source, message);
  if (routes.empty()) ++counters_.unrouted;
  for (const auto& r : routes) deliver(r);
}

void Gateway::deliver(const Route& route) {
  switch (route.target) {
    case TargetKind::local:
      if (local_ && local_->publish(route.message))
        ++counters_.published_local;
      else
        ++counters_.local_publish_failed;
      break;
    case TargetKind::remote:
      if (auto it = remotes_.find(route.name); it != remotes_.end()) {
        it->second->enqueue(route.message);
        ++counters_.to_outbox;
      }
      break;
    case TargetKind::device:
      if (auto it = devices_.find(route.name); it != devices_.end()) {
        ++counters_.device_commands;
        it->second->command(route.message);
      }
      break;
  }
}

LinkStatus Gateway::local_status() const { return local_ ? local_->status() : LinkStatus{}; }

std::vector<std::pair<std::string, LinkStatus>> Gateway::remote_status() const {
  std::vector<std::pair<std::string, LinkStatus>> out;
  for (const auto& [name, link] : remotes_) out.emplace_back(name, link->status());
  return out;
}

std::vector<std::pair<std::string, OutboxCounters>> Gateway::outbox_counters() const {
  std::vector<std::pair<std::string, OutboxCounters>> out;
  for (const auto& [name, link] : remotes_) out.emplace_back(name, link->counters());
  return out;
}

}  // namespace edgebridge
