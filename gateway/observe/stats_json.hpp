#pragma once
// GET /stats and the retained `gateway.stats_topic`: a GatewaySnapshot as JSON.
// `edgebridge status` reads the same document and prints it for a person.
//
// {"gateway","version","time","started","uptime_s","healthy","health",
//  "local":{"state","since","connects","last_error"},
//  "remotes":{NAME:{"state","since","connects","last_error","down_since","healthy",
//                   "outbox":{"depth","depth_bytes","oldest_age_s","pending","stored","sent",
//                             "forwarded","dropped":{REASON:n}}}},
//  "messages":{"received":{"local","remote","device"},"published_local","local_publish_failed",
//              "to_outbox","device_commands","unrouted"},
//  "devices":{NAME:{"type", METRIC: value}},
//  "rules":{NAME:{"evaluations","matched","undefined","fired","action_errors",
//                 "error_action_failures","holding"}}}
// Times are RFC 3339 UTC with milliseconds; "since" is null before the first state change.

#include <nlohmann/json.hpp>

#include "observe/snapshot.hpp"

namespace edgebridge {

nlohmann::json stats_json(const GatewaySnapshot& snapshot);

}  // namespace edgebridge
