#include "shadow/shadow_manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include "core/json_text.hpp"

namespace edgebridge {
namespace {

// Ids of this run: clientTokens and command ids never repeat those of a
// previous run that a late answer might still carry.
std::string run_id() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  return std::string("eb") + buf;
}

}  // namespace

ShadowManager::ShadowManager(EventLoop& loop, ShadowHost& host, const std::string& state_path)
    : loop_(loop), host_(host), store_(state_path), ids_(run_id()) {
  for (auto& record : store_.load()) {
    std::string device = record.device;
    saved_.emplace(std::move(device), std::move(record));
  }
}

ShadowManager::~ShadowManager() { stop(); }

void ShadowManager::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (timer_ != 0 && loop_.in_loop_thread()) loop_.cancel(timer_);
  timer_ = 0;
  for (auto& [device, entry] : shadows_) {
    ShadowRecord r = entry.shadow->record();
    saved_[device] = r;
    store_.save(std::move(r));
  }
  store_.flush();
}

void ShadowManager::configure(const std::vector<DeviceConfig>& devices, const std::vector<RemoteConfig>& remotes) {
  remotes_.clear();
  for (const auto& r : remotes) remotes_.push_back(r.name);
  std::map<std::string, Entry> next;
  for (const auto& d : devices) {
    if (!d.shadow) continue;
    auto old = shadows_.find(d.name);
    if (old != shadows_.end() && old->second.fingerprint == d.fingerprint) {
      next.emplace(d.name, std::move(old->second));
      shadows_.erase(old);
      continue;
    }
    if (old != shadows_.end()) {  // changed: its state carries over when it is the same shadow
      saved_[d.name] = old->second.shadow->record();
      shadows_.erase(old);
    }
    const std::string device = d.name;
    Entry entry;
    entry.fingerprint = d.fingerprint;
    entry.shadow = std::make_unique<DeviceShadow>(
        d.shadow,
        [this, device](const std::string& command, const nlohmann::json& args, std::string& why) {
          return host_.shadow_invoke(device, command, args, why);
        },
        ids_ + "-" + std::to_string(++next_shadow_) + "-");
    if (auto s = saved_.find(d.name); s != saved_.end()) entry.shadow->restore(s->second);
    spdlog::info("Device shadow ready. device={} remote={} thing={} shadow={} desired={}", d.name, d.shadow->remote,
                 d.shadow->thing, d.shadow->name.empty() ? "classic" : d.shadow->name, d.shadow->desired.size());
    next.emplace(d.name, std::move(entry));
  }
  // Devices whose shadow went: their saved state and their local view go too.
  for (auto& [device, entry] : shadows_) {
    saved_.erase(device);
    store_.remove(device);
    for (const auto& [topic, payload] : entry.shown) {
      Message clear;
      clear.topic = topic;
      clear.qos = 1;
      clear.retain = true;
      clear.received_at = std::chrono::system_clock::now();
      host_.shadow_local(device, clear);
    }
    spdlog::info("Device shadow removed. device={}", device);
  }
  shadows_ = std::move(next);
  by_topic_.clear();
  for (const auto& [device, entry] : shadows_)
    for (const auto& topic : entry.shadow->subscriptions()) by_topic_[topic] = device;
  for (const auto& remote : remotes_) host_.shadow_subscriptions(remote, subscriptions(remote));
  const auto now = EventLoop::Clock::now();
  for (auto& [device, entry] : shadows_) {
    auto up = connected_.find(entry.shadow->config().remote);
    if (up != connected_.end() && up->second && !entry.shadow->waiting_for_answer()) entry.shadow->on_connected(now);
    show(device, entry);
  }
  for (const auto& remote : remotes_) pump(remote);
  schedule();
}

std::vector<std::string> ShadowManager::subscriptions(const std::string& remote) const {
  std::vector<std::string> topics;
  for (const auto& [device, entry] : shadows_)
    if (entry.shadow->config().remote == remote)
      for (auto& t : entry.shadow->subscriptions()) topics.push_back(std::move(t));
  return topics;
}

void ShadowManager::on_device_message(const std::string& device, const Message& message) {
  auto it = shadows_.find(device);
  if (it == shadows_.end() || stopped_) return;
  const std::string local = it->second.shadow->config().local_topic + "/";
  if (message.topic.compare(0, local.size(), local) == 0) return;  // our own view coming round
  it->second.shadow->on_device_message(message, EventLoop::Clock::now());
  after(it->second);
}

void ShadowManager::on_cloud_message(const std::string& remote, const Message& message) {
  auto it = by_topic_.find(message.topic);
  if (it == by_topic_.end() || stopped_) return;
  Entry& entry = shadows_.at(it->second);
  if (entry.shadow->config().remote != remote) return;
  entry.shadow->on_cloud_message(message, EventLoop::Clock::now());
  after(entry);
}

void ShadowManager::on_link(const std::string& remote, bool connected) {
  if (stopped_) return;
  auto& state = connected_[remote];
  if (state == connected) return;
  state = connected;
  const auto now = EventLoop::Clock::now();
  for (auto& [device, entry] : shadows_) {
    if (entry.shadow->config().remote != remote) continue;
    if (connected)
      entry.shadow->on_connected(now);
    else
      entry.shadow->on_disconnected();
  }
  pump(remote);
  schedule();
}

void ShadowManager::after(Entry& entry) {
  const std::string& device = entry.shadow->config().device;
  if (entry.shadow->take_changed()) {
    ShadowRecord r = entry.shadow->record();
    saved_[device] = r;
    store_.save(std::move(r));
    show(device, entry);
  }
  pump(entry.shadow->config().remote);
  schedule();
}

void ShadowManager::show(const std::string& device, Entry& entry) {
  const ShadowConfig& cfg = entry.shadow->config();
  const std::pair<std::string, nlohmann::json> views[] = {
      {cfg.local_topic + "/reported", entry.shadow->reported_view()},
      {cfg.local_topic + "/desired", entry.shadow->desired_view()},
      {cfg.local_topic + "/delta", entry.shadow->delta_view()},
  };
  for (const auto& [topic, view] : views) {
    std::string payload = dump_json(view);
    auto shown = entry.shown.find(topic);
    if (shown != entry.shown.end() && shown->second == payload) continue;
    entry.shown[topic] = payload;
    Message m;
    m.topic = topic;
    m.payload = std::move(payload);
    m.qos = 1;
    m.retain = true;
    m.received_at = std::chrono::system_clock::now();
    host_.shadow_local(device, std::move(m));
  }
}

void ShadowManager::pump(const std::string& remote) {
  auto up = connected_.find(remote);
  if (up == connected_.end() || !up->second || stopped_) return;
  const auto now = EventLoop::Clock::now();
  std::size_t waiting = 0;
  for (const auto& [device, entry] : shadows_)
    if (entry.shadow->config().remote == remote && entry.shadow->waiting_for_answer()) ++waiting;
  for (auto& [device, entry] : shadows_) {
    if (waiting >= kWindow) break;
    if (entry.shadow->config().remote != remote) continue;
    auto request = entry.shadow->next_request(now);
    if (!request) continue;
    ++waiting;
    Message m;
    m.topic = request->topic;
    m.payload = request->payload;
    m.qos = 0;
    m.received_at = std::chrono::system_clock::now();
    if (host_.shadow_publish(remote, m))
      spdlog::debug("Shadow request sent. device={} topic={} bytes={}", device, m.topic, m.payload.size());
    else
      spdlog::debug("Shadow request not sent: the remote is not connected. device={} topic={}", device, m.topic);
    if (entry.shadow->take_changed()) {
      ShadowRecord r = entry.shadow->record();
      saved_[device] = r;
      store_.save(std::move(r));
      show(device, entry);
    }
  }
}

void ShadowManager::schedule() {
  if (stopped_) return;
  std::optional<EventLoop::Clock::time_point> wake;
  for (const auto& [device, entry] : shadows_)
    if (auto w = entry.shadow->next_wake(); w && (!wake || *w < *wake)) wake = w;
  if (!wake) {
    if (timer_ != 0) loop_.cancel(timer_);
    timer_ = 0;
    return;
  }
  if (timer_ != 0 && timer_at_ == *wake) return;
  if (timer_ != 0) loop_.cancel(timer_);
  timer_at_ = *wake;
  // A wake that is due already (a request waiting for a free slot of the
  // window) is looked at again shortly, not in a tight loop.
  const auto delay = std::max<EventLoop::Clock::duration>(std::chrono::milliseconds(20),
                                                          *wake - EventLoop::Clock::now());
  timer_ = loop_.after(delay, [this] {
    timer_ = 0;
    on_timer();
  });
}

void ShadowManager::on_timer() {
  if (stopped_) return;
  const auto now = EventLoop::Clock::now();
  for (auto& [device, entry] : shadows_) {
    entry.shadow->tick(now);
    if (entry.shadow->take_changed()) {
      ShadowRecord r = entry.shadow->record();
      saved_[device] = r;
      store_.save(std::move(r));
      show(device, entry);
    }
  }
  for (const auto& remote : remotes_) pump(remote);
  schedule();
}

std::vector<ShadowRecord> ShadowManager::records() const {
  std::vector<ShadowRecord> out;
  for (const auto& [device, entry] : shadows_) out.push_back(entry.shadow->record());
  return out;
}

}  // namespace edgebridge
