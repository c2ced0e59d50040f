#pragma once
// GET /stats and the retained `gateway.stats_topic`: a GatewaySnapshot as JSON.
// `edgebridge status` reads the same document and prints it for a person.
//
// {"gateway","version","time","started","uptime_s","healthy","health",
//  "config":{"file","loaded"},"clock":{"ok","problem"},
//  "local":{"state","since","connects","mqtt","last_error"},
//  "remotes":{NAME:{"state","since","connects","mqtt","last_error","down_since","healthy",
//                   "outbox":{"depth","accepted","dead_letters","dead_lettered":{REASON:n},"depth_bytes",
//                             "oldest_age_s","pending","stored","sent","forwarded","dropped":{REASON:n}}}},
//  "dead_letters":{"newest":[{"remote","topic","reason","detail","failed_at"}],"note"},
//  "messages":{"received":{"local","remote","device"},"published_local","local_publish_failed",
//              "to_outbox","device_commands","unrouted"},
//  "devices":{NAME:{"type", METRIC: value,"last_message":{"topic","payload","at"},
//                  "last_command":{"topic","payload","at","delivery"}}},
//  "rules":{NAME:{"evaluations","matched","undefined","fired","action_errors",
//                 "error_action_failures","holding","last_fired","for_s","holding_since","fires_in_s"}}}
// Times are RFC 3339 UTC with milliseconds; "since" is null before the first state change.

#include <nlohmann/json.hpp>

#include "observe/snapshot.hpp"

namespace edgebridge {

nlohmann::json stats_json(const GatewaySnapshot& snapshot);

}  // namespace edgebridge
