#include "observe/snapshot.hpp"

#include "app/gateway.hpp"
#include "core/build_info.hpp"

namespace edgebridge {

GatewaySnapshot take_snapshot(const Gateway& gateway, std::chrono::system_clock::time_point started_at) {
  GatewaySnapshot s;
  const Config& config = gateway.config();
  s.id = config.gateway.id;
  s.version = build_version();
  s.taken_at = std::chrono::system_clock::now();
  s.started_at = started_at;
  s.local = gateway.local_status();
  const auto outboxes = gateway.outbox_counters();
  for (auto& [name, link] : gateway.remote_status()) {
    RemoteSnapshot r;
    r.name = name;
    r.link = link;
    for (const auto& [remote, counters] : outboxes)
      if (remote == name) r.outbox = counters;
    s.remotes.push_back(std::move(r));
  }
  const GatewayCounters& c = gateway.counters();
  s.messages.received_local = c.received_local.load();
  s.messages.received_remote = c.received_remote.load();
  s.messages.received_device = c.received_device.load();
  s.messages.published_local = c.published_local.load();
  s.messages.local_publish_failed = c.local_publish_failed.load();
  s.messages.to_outbox = c.to_outbox.load();
  s.messages.device_commands = c.device_commands.load();
  s.messages.unrouted = c.unrouted.load();
  for (auto& [name, metrics] : gateway.device_metrics()) {
    DeviceSnapshot d;
    d.name = name;
    if (const auto* device = config.find_device(name)) d.type = device->type;
    d.metrics = std::move(metrics);
    s.devices.push_back(std::move(d));
  }
  s.rules = gateway.rule_metrics();
  return s;
}

}  // namespace edgebridge
