#include "app/gateway.hpp"
#include "core/echo.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <stdexcept>

#include "app/endpoint_factory.hpp"
#include "mqtt/connect_job.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "core/timestamps.hpp"

namespace edgebridge {
namespace {

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

// Counts down the asynchronous stops on the loop; the main thread waits.
class Countdown {
 public:
  explicit Countdown(std::size_t n) : left_(n) {}
  void done() {
    std::lock_guard<std::mutex> lock(m_);
    if (left_ > 0) --left_;
    cv_.notify_all();
  }
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, timeout, [this] { return left_ == 0; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t left_;
};

DeviceActivity::Seen seen(const Message& m) {
  DeviceActivity::Seen s;
  s.topic = m.topic;
  s.payload = m.payload.size() > DeviceActivity::kPreviewBytes ? m.payload.substr(0, DeviceActivity::kPreviewBytes) + "..."
                                                                : m.payload;
  s.at = std::chrono::system_clock::now();
  return s;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Gateway::Gateway(Config config, const DeviceCatalog& catalog, GatewayOptions options)
    : Gateway(std::move(config), make_endpoint_factory(catalog, options.hold), options) {}

Gateway::Gateway(Config config, std::unique_ptr<EndpointFactory> factory, GatewayOptions options)
    : config_(std::move(config)),
      factory_(std::move(factory)),
      options_(options),
      router_(std::make_shared<Router>(config_.topics, config_.devices)) {}

Gateway::~Gateway() { stop(); }

void Gateway::start() {
  make_directories(config_.gateway.state_dir);
  OutboxOptions options;
  options.path = config_.gateway.state_dir + "/outbox.db";
  options.durability = config_.gateway.durability;
  options.commit_delay = options_.commit_delay;
  options.max_dead_letters = config_.gateway.max_dead_letters;
  options.on_relief = [this] { loop_.post([this] { check_pressure(); }); };
  store_ = std::make_unique<OutboxStore>(options);
  if (auto moved = store_->quarantined_path(); !moved.empty())
    spdlog::error("Outbox was corrupt and has been moved aside; starting empty. moved_to={}", moved);

  shadows_ = std::make_unique<ShadowManager>(loop_, static_cast<ShadowHost&>(*this), options.path);
  loop_thread_ = std::thread([this] { loop_.run(); });
  config_loaded_ms_ = now_ms();
  rules_ = make_rules_engine(config_);
  loop_.call([this] {
    std::unique_lock<std::shared_mutex> lock(maps_mu_);
    local_ = factory_->local(loop_, config_, *store_,
                             [this](const Message& m, std::uint64_t receipt) { on_local_message(m, receipt); });
    for (const auto& r : config_.remotes) remotes_.emplace(r.name, make_remote(r, config_.gateway, *router_));
    shadows_->configure(config_.devices, config_.remotes);
    local_->set_subscriptions(local_subscriptions(*router_));
    accepting_ = true;
    for (auto& [name, link] : remotes_) link->start();
    local_->start();
  });

  std::map<std::string, std::unique_ptr<DeviceEndpoint>> devices;
  for (const auto& d : config_.devices)
    if (auto device = factory_->device(d)) devices.emplace(d.name, std::move(device));
  loop_.call([this, &devices] {
    std::unique_lock<std::shared_mutex> lock(maps_mu_);
    devices_ = std::move(devices);
  });
  for (auto& [name, device] : devices_) device->start(*this);
  started_ = true;
  if (rules_) rules_->start();
  watch_tls_files();
  spdlog::info("Gateway started. id={} remotes={} mappings={} devices={} rules={} outbox={}", config_.gateway.id,
               remotes_.size(), config_.topics.size(), devices_.size(),
               config_.rules ? config_.rules->rules.size() : 0, options.path);
}

void Gateway::stop() {
  if (!started_.exchange(false)) return;
  if (tls_watcher_) tls_watcher_->stop();
  if (rules_) rules_->stop();  // no more firings from the hold timer
  // Input first: devices, then the local broker. What they handed over so far
  // is committed; the held PUBACKs go out once the commit released them, and
  // what the broker sent after that waits in our persistent session.
  for (auto& [name, device] : devices_) device->stop();
  loop_.call([this] {
    if (local_) local_->pause_reading(true);
  });
  if (store_) store_->flush();
  {
    auto local_done = std::make_shared<Countdown>(1);
    loop_.call([this, local_done] {
      if (local_)
        local_->stop(options_.stop_timeout, [local_done] { local_done->done(); });
      else
        local_done->done();
    });
    local_done->wait_for(options_.stop_timeout + std::chrono::seconds(1));
  }
  loop_.call([this] { accepting_ = false; });
  if (store_) store_->flush();
  // Each remote says "offline" and disconnects, all at once: an unresponsive
  // one may take its whole disconnect timeout, and SIGTERM must end in seconds.
  std::vector<RemoteEndpoint*> links;
  for (auto& [name, link] : remotes_) links.push_back(link.get());
  stop_remotes(links);
  loop_.call([this] {
    if (shadows_) shadows_->stop();  // what is pending is saved for the next start
    std::unique_lock<std::shared_mutex> lock(maps_mu_);
    remotes_.clear();
    devices_.clear();
    local_.reset();
  });
  loop_.stop();
  if (loop_thread_.joinable()) loop_thread_.join();
  {
    std::unique_lock<std::shared_mutex> lock(maps_mu_);
    rules_.reset();
  }
  shadows_.reset();
  store_.reset();
  if (const std::size_t alive = live_clients(); alive > 0)
    spdlog::error("Internal error: {} MQTT client object(s) were not destroyed", alive);
  spdlog::info("Gateway stopped. id={}", config_.gateway.id);
}

void Gateway::stop_remotes(std::vector<RemoteEndpoint*> links) {
  if (links.empty()) return;
  auto countdown = std::make_shared<Countdown>(links.size());
  loop_.call([this, &links, countdown] {
    for (RemoteEndpoint* link : links) link->stop(options_.stop_timeout, [countdown] { countdown->done(); });
  });
  countdown->wait_for(options_.stop_timeout + std::chrono::seconds(1));
}

void Gateway::ingest(const Source& source, Message message) {
  switch (source.kind) {
    case SourceKind::local: ++counters_.received_local; break;
    case SourceKind::remote: ++counters_.received_remote; break;
    case SourceKind::device: ++counters_.received_device; break;
    case SourceKind::rule: break;
  }
  loop_.post([this, source, m = std::move(message)] {
    if (accepting_.load()) dispatch(source, m, 0, nullptr);
  });
}

void Gateway::on_local_message(const Message& message, std::uint64_t receipt) {
  ++counters_.received_local;
  dispatch(Source::local(), message, receipt, nullptr);
  check_pressure();
}

void Gateway::on_remote_message(const std::string& remote, const Message& message) {
  ++counters_.received_remote;
  if (accepting_.load()) dispatch(Source::remote(remote), message, 0, nullptr);
}

void Gateway::check_pressure() {
  if (!store_ || !local_) return;
  const bool pressure = store_->under_pressure();
  if (pressure == reading_paused_) return;
  reading_paused_ = pressure;
  local_->pause_reading(pressure);
  spdlog::debug("{} reading from the local broker. reason=\"outbox {}\"", pressure ? "Paused" : "Resumed",
                pressure ? "writer behind" : "writer caught up");
}

Delivery Gateway::dispatch(const Source& source, const Message& message, std::uint64_t receipt, std::string* why) {
  if (source.kind == SourceKind::device) {
    {
      std::lock_guard<std::mutex> lock(activity_mu_);
      activity_[source.name].last_message = seen(message);
    }
    if (shadows_) shadows_->on_device_message(source.name, message);
  }
  auto routes = router_->route(source, message);
  if (routes.empty()) ++counters_.unrouted;
  Delivery result = Delivery::ok;
  for (const auto& r : routes) {
    const Delivery d = deliver(r, receipt, result == Delivery::ok ? why : nullptr);
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

Delivery Gateway::deliver(const Route& route, std::uint64_t receipt, std::string* why) {
  switch (route.target) {
    case TargetKind::local:
      if (local_ && local_->publish(route.message)) {
        ++counters_.published_local;
        return Delivery::ok;
      }
      ++counters_.local_publish_failed;
      if (why) *why = "the local broker did not take it (disconnected and its buffer is full)";
      return Delivery::retry;
    case TargetKind::remote: {
      auto it = remotes_.find(route.name);
      if (it == remotes_.end()) {
        ++counters_.unrouted;
        if (why) *why = "no remote named " + route.name;
        return Delivery::error;
      }
      const Delivery d = it->second->enqueue(route.message, receipt);
      ++counters_.to_outbox;
      if (d != Delivery::ok && why)
        *why = "the outbox of remote " + route.name + " refused it (full under overflow: drop_newest, or a storage error)";
      return d;
    }
    case TargetKind::device:
      if (auto it = devices_.find(route.name); it != devices_.end()) {
        ++counters_.device_commands;
        const Delivery d = it->second->command(route.message);
        {
          std::lock_guard<std::mutex> lock(activity_mu_);
          DeviceActivity& a = activity_[route.name];
          a.last_command = seen(route.message);
          a.last_command_delivery = to_string(d);
        }
        if (d != Delivery::ok && why) *why = "device " + route.name + " did not take the command (" + to_string(d) + ")";
        return d;
      }
      // The router knows the device but it is not running: a reload is
      // replacing it. Say so rather than drop the command silently.
      ++counters_.unrouted;
      spdlog::warn("Command not delivered; the device is being restarted by a reload. device={} topic={}", route.name,
                   echo_text(route.message.topic));
      if (why) *why = "device " + route.name + " is being restarted by a reload";
      return Delivery::error;
  }
  return Delivery::ok;
}

void Gateway::on_dead_letter(const std::string& remote, const Message& message, const DeadLetter& why) {
  ++counters_.dead_letters;
  const std::string& topic = config_.gateway.dead_letter_topic;
  if (topic.empty() || !local_) return;
  nlohmann::json notice = {
      {"remote", remote},
      {"topic", message.topic},
      {"reason", to_string(why.reason)},
      {"reason_code", why.reason_code},
      {"attempts", why.attempts},
      {"detail", why.detail},
      {"payload_bytes", message.payload.size()},
      {"received_at", format_rfc3339_ms(message.received_at)},
      {"failed_at", format_rfc3339_ms(std::chrono::system_clock::now())},
  };
  Message m;
  m.topic = topic;
  m.payload = dump_json(notice);
  m.qos = 1;
  m.received_at = std::chrono::system_clock::now();
  local_->publish(m);
}

Delivery Gateway::publish_local(const std::string& rule, const Message& message, std::string& why) {
  if (!accepting_.load()) {
    why = "the gateway is stopping";
    return Delivery::retry;
  }
  Delivery d = Delivery::retry;
  if (!loop_.call([&] { d = dispatch(Source::rule(rule), message, 0, &why); })) why = "the gateway is stopping";
  return d;
}

Delivery Gateway::publish_remote(const std::string& remote, const Message& message, std::string& why) {
  Delivery d = Delivery::retry;
  const bool ran = loop_.call([&] {
    auto it = remotes_.find(remote);
    if (it == remotes_.end()) {
      why = "no remote named " + remote;
      d = Delivery::error;
      return;
    }
    d = it->second->enqueue(message, 0);
    ++counters_.to_outbox;
    if (d != Delivery::ok)
      why = "the outbox of remote " + remote + " refused it (full under overflow: drop_newest, or a storage error)";
  });
  if (!ran) why = "the gateway is stopping";
  return d;
}

Delivery Gateway::command(const std::string& device, const std::string& name, const nlohmann::json& args,
                          std::string& why) {
  Delivery d = Delivery::retry;
  const bool ran = loop_.call([&] { d = invoke_device(device, name, args, why, "rule command"); });
  if (!ran) why = "the gateway is stopping";
  return d;
}

Delivery Gateway::invoke_device(const std::string& device, const std::string& name, const nlohmann::json& args,
                                std::string& why, const std::string& label) {
  auto it = devices_.find(device);
  if (it == devices_.end()) {
    why = "no device named " + device;
    return Delivery::error;
  }
  ++counters_.device_commands;
  const Delivery d = it->second->invoke(name, args, why);
  Message as_message;
  as_message.topic = "(" + label + " " + name + ")";
  as_message.payload = args.is_null() ? std::string() : dump_json(args);
  std::lock_guard<std::mutex> lock(activity_mu_);
  DeviceActivity& a = activity_[device];
  a.last_command = seen(as_message);
  a.last_command_delivery = d == Delivery::ok ? std::string("ok") : std::string(to_string(d)) + ": " + why;
  return d;
}

bool Gateway::shadow_publish(const std::string& remote, const Message& message) {
  auto it = remotes_.find(remote);
  return it != remotes_.end() && it->second->publish_now(message);
}

Delivery Gateway::shadow_invoke(const std::string& device, const std::string& command, const nlohmann::json& args,
                                std::string& why) {
  if (!accepting_.load()) {
    why = "the gateway is stopping";
    return Delivery::retry;
  }
  return invoke_device(device, command, args, why, "shadow command");
}

void Gateway::shadow_local(const std::string& device, Message message) {
  // After whatever the loop is doing now (this comes from inside a delivery).
  loop_.post([this, device, m = std::move(message)] {
    if (accepting_.load()) dispatch(Source::device(device), m, 0, nullptr);
  });
}

void Gateway::shadow_subscriptions(const std::string& remote, std::vector<std::string> topics) {
  if (auto it = remotes_.find(remote); it != remotes_.end()) it->second->set_service_subscriptions(std::move(topics));
}

std::vector<RuleMetrics> Gateway::rule_metrics() const {
  std::shared_lock<std::shared_mutex> lock(maps_mu_);  // reload() replaces the engine
  return rules_ ? rules_->metrics() : std::vector<RuleMetrics>{};
}

std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> Gateway::device_metrics() const {
  std::shared_lock<std::shared_mutex> lock(maps_mu_);  // reload() changes the map
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> out;
  for (const auto& [name, device] : devices_) out.emplace_back(name, device->metrics());
  return out;
}

bool Gateway::publish_to_local_broker(const Message& message) {
  if (!accepting_.load()) return false;
  return loop_.post([this, message] {
    if (local_ && local_->publish(message)) ++counters_.published_local;
  });
}

std::map<std::string, DeviceActivity> Gateway::device_activity() const {
  std::lock_guard<std::mutex> lock(activity_mu_);
  return activity_;
}

std::chrono::system_clock::time_point Gateway::config_loaded_at() const {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(config_loaded_ms_.load()));
}

LinkStatus Gateway::local_status() const {
  std::shared_lock<std::shared_mutex> lock(maps_mu_);
  return local_ ? local_->status() : LinkStatus{};
}

std::vector<std::pair<std::string, LinkStatus>> Gateway::remote_status() const {
  std::shared_lock<std::shared_mutex> lock(maps_mu_);  // reload() changes the map
  std::vector<std::pair<std::string, LinkStatus>> out;
  for (const auto& [name, link] : remotes_) out.emplace_back(name, link->status());
  return out;
}

std::vector<std::pair<std::string, OutboxCounters>> Gateway::outbox_counters() const {
  std::shared_lock<std::shared_mutex> lock(maps_mu_);  // reload() changes the map
  std::vector<std::pair<std::string, OutboxCounters>> out;
  for (const auto& [name, link] : remotes_) out.emplace_back(name, link->counters());
  return out;
}

}  // namespace edgebridge
