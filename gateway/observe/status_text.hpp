#pragma once
// `edgebridge status`: the stats JSON (observe/stats_json.hpp) as aligned text
// for a person. Tolerates missing keys (a gateway of another version).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/json_limits.hpp"

#include "outbox/outbox.hpp"

namespace edgebridge {

// What `edgebridge status` reads from /stats: at most what http_get() takes
// (16 MiB), nested no deeper than the parse bound (the gateway writes 4 levels).
inline constexpr JsonLimits kStatsJsonLimits{64, 16 * 1024 * 1024};

// The /stats answer as JSON within kStatsJsonLimits; nullopt and `why` (a
// sentence) when it is not a JSON object within them.
std::optional<nlohmann::json> parse_stats(const std::string& body, std::string& why);

// Never throws, whatever JSON `stats` holds.
std::string format_status(const nlohmann::json& stats);

// The fallback when the gateway does not answer: what the outbox database holds.
std::string format_outbox_fallback(const std::vector<std::string>& remotes, const std::vector<OutboxQueueStats>& stats);

}  // namespace edgebridge
