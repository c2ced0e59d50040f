#pragma once
// `edgebridge status`: the stats JSON (observe/stats_json.hpp) as aligned text
// for a person. Tolerates missing keys (a gateway of another version).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "outbox/outbox.hpp"

namespace edgebridge {

std::string format_status(const nlohmann::json& stats);

// The fallback when the gateway does not answer: what the outbox database holds.
std::string format_outbox_fallback(const std::vector<std::string>& remotes, const std::vector<OutboxQueueStats>& stats);

}  // namespace edgebridge
