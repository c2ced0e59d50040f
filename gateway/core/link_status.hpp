#pragma once
// The state of one MQTT connection (the local broker or a remote), as the
// watching side (/metrics, /healthz, /stats, the status page) sees it.

#include <chrono>
#include <cstdint>
#include <string>

namespace edgebridge {

enum class LinkState { stopped, waiting_clock, connecting, connected, backoff };
const char* to_string(LinkState s);

struct LinkStatus {
  LinkState state = LinkState::stopped;
  std::string last_error;
  std::chrono::system_clock::time_point since{};
  std::uint64_t connects = 0;
  int mqtt_version = 0;  // of the current connection (5 or 4 for 3.1.1); 0 when not connected
  // Fire-and-forget QoS 1 publishes (to the local broker: what comes from the
  // cloud and the devices) that the broker refused with a reason code >= 0x80,
  // e.g. its ACL: not delivered. Over the process's life.
  std::uint64_t refused = 0;
};

}  // namespace edgebridge
