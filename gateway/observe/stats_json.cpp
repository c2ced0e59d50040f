#include "observe/stats_json.hpp"

#include <cstdio>
#include <ctime>

namespace edgebridge {
namespace {

// RFC 3339 UTC with milliseconds, as readings carry it (core/timestamps.hpp has
// the same, but its WallClock alias clashes with outbox.hpp's in one file).
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

nlohmann::json time_or_null(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) return nullptr;
  return format_rfc3339_ms(t);
}

nlohmann::json link_json(const LinkStatus& link) {
  return {{"state", to_string(link.state)},
          {"since", time_or_null(link.since)},
          {"connects", link.connects},
          {"last_error", link.last_error}};
}

}  // namespace

nlohmann::json stats_json(const GatewaySnapshot& s) {
  nlohmann::json j;
  j["gateway"] = s.id;
  j["version"] = s.version;
  j["time"] = format_rfc3339_ms(s.taken_at);
  j["started"] = time_or_null(s.started_at);
  j["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(s.taken_at - s.started_at).count();
  j["healthy"] = s.health.healthy;
  j["health"] = s.health.text;
  j["local"] = link_json(s.local);

  nlohmann::json remotes = nlohmann::json::object();
  for (const auto& r : s.remotes) {
    nlohmann::json remote = link_json(r.link);
    remote["down_since"] = nullptr;
    remote["healthy"] = true;
    for (const auto& h : s.health.remotes) {
      if (h.remote != r.name) continue;
      if (h.down_since) remote["down_since"] = format_rfc3339_ms(*h.down_since);
      remote["healthy"] = h.within_grace;
    }
    nlohmann::json dropped = nlohmann::json::object();
    for (std::size_t i = 0; i < kDropReasons; ++i) dropped[to_string(static_cast<DropReason>(i))] = r.outbox.dropped[i];
    nlohmann::json dead = nlohmann::json::object();
    for (std::size_t i = 0; i < kDeadLetterReasons; ++i)
      dead[to_string(static_cast<DeadLetterReason>(i))] = r.outbox.dead_lettered[i];
    remote["outbox"] = {{"depth", r.outbox.depth},
                        {"accepted", r.outbox.accepted},
                        {"dead_letters", r.outbox.dead_letters},
                        {"dead_lettered", dead},
                        {"depth_bytes", r.outbox.depth_bytes},
                        {"oldest_age_s", static_cast<double>(r.outbox.oldest_age_ms) / 1000.0},
                        {"pending", r.outbox.pending},
                        {"stored", r.outbox.stored},
                        {"sent", r.outbox.sent},
                        {"forwarded", r.outbox.acked},
                        {"dropped", dropped}};
    remotes[r.name] = remote;
  }
  j["remotes"] = remotes;

  const MessageCounts& m = s.messages;
  j["messages"] = {{"received", {{"local", m.received_local}, {"remote", m.received_remote}, {"device", m.received_device}}},
                   {"published_local", m.published_local},
                   {"local_publish_failed", m.local_publish_failed},
                   {"to_outbox", m.to_outbox},
                   {"device_commands", m.device_commands},
                   {"unrouted", m.unrouted}};

  nlohmann::json devices = nlohmann::json::object();
  for (const auto& d : s.devices) {
    nlohmann::json device = {{"type", d.type}};
    for (const auto& [name, value] : d.metrics) device[name] = value;
    devices[d.name] = device;
  }
  j["devices"] = devices;

  nlohmann::json rules = nlohmann::json::object();
  for (const auto& r : s.rules)
    rules[r.rule] = {{"evaluations", r.evaluations},     {"matched", r.matched},
                     {"undefined", r.undefined},         {"fired", r.fired},
                     {"action_errors", r.action_errors}, {"error_action_failures", r.error_action_failures},
                     {"holding", r.holding}};
  j["rules"] = rules;
  return j;
}

}  // namespace edgebridge
