#pragma once
// MQTT topic names and filters as bridge.yaml, the rules and the adapters
// accept them. An empty answer means valid; otherwise the reason, in words.

#include <string>

namespace edgebridge {

// A filter to subscribe with: wildcards placed correctly (+ and # whole levels, # last).
std::string topic_filter_problem(const std::string& filter);
// A topic to publish on: no wildcards.
std::string topic_name_problem(const std::string& topic);

}  // namespace edgebridge
