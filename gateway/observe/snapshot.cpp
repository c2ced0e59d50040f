#include "observe/snapshot.hpp"

#include "core/build_info.hpp"
#include "observe/gateway_view.hpp"

namespace edgebridge {

GatewaySnapshot take_snapshot(const GatewayView& gateway, std::chrono::system_clock::time_point started_at) {
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
  const auto activity = gateway.device_activity();
  for (auto& [name, metrics] : gateway.device_metrics()) {
    DeviceSnapshot d;
    d.name = name;
    if (const auto* device = config.find_device(name)) d.type = device->type;
    d.metrics = std::move(metrics);
    if (auto it = activity.find(name); it != activity.end()) {
      if (it->second.last_message)
        d.last_message = SeenMessage{it->second.last_message->topic, it->second.last_message->payload,
                                     it->second.last_message->at};
      if (it->second.last_command)
        d.last_command = SeenMessage{it->second.last_command->topic, it->second.last_command->payload,
                                     it->second.last_command->at};
      d.last_command_delivery = it->second.last_command_delivery;
    }
    s.devices.push_back(std::move(d));
  }
  s.config_file = config.source_file;
  s.config_loaded_at = gateway.config_loaded_at();
  s.clock_problem = gateway.clock_problem();
  s.rules = gateway.rule_metrics();
  return s;
}

}  // namespace edgebridge
