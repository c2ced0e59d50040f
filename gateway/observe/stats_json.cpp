#include "observe/stats_json.hpp"

#include "core/timestamps.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace edgebridge {
namespace {

nlohmann::json time_or_null(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) return nullptr;
  return format_rfc3339_ms(t);
}

nlohmann::json link_json(const LinkStatus& link) {
  return {{"state", to_string(link.state)},
          {"since", time_or_null(link.since)},
          {"connects", link.connects},
          {"mqtt", link.mqtt_version == 5 ? "5" : link.mqtt_version == 4 ? "3.1.1" : ""},
          {"last_error", link.last_error}};
}

double seconds(std::chrono::system_clock::duration d) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) / 1000.0;
}

nlohmann::json seen_json(const std::optional<SeenMessage>& m) {
  if (!m) return nullptr;
  return {{"topic", m->topic}, {"payload", m->payload}, {"at", time_or_null(m->at)}};
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
  j["config"] = {{"file", s.config_file}, {"loaded", time_or_null(s.config_loaded_at)}};
  j["clock"] = {{"ok", s.clock_problem.empty()}, {"problem", s.clock_problem}};

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
                        {"batches_sent", r.outbox.batches_sent},
                        {"batch_entries", r.outbox.batch_entries},
                        {"batch_bytes", r.outbox.batch_bytes},
                        {"forwarded", r.outbox.acked},
                        {"dropped", dropped}};
    remotes[r.name] = remote;
  }
  j["remotes"] = remotes;
  nlohmann::json newest = nlohmann::json::array();
  for (const auto& d : s.newest_dead_letters)
    newest.push_back({{"remote", d.remote},
                      {"topic", d.topic},
                      {"reason", d.reason},
                      {"detail", d.detail},
                      {"failed_at", time_or_null(d.failed_at)}});
  j["dead_letters"] = {{"newest", newest}, {"note", s.dead_letters_note}};

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
    device["last_message"] = seen_json(d.last_message);
    device["last_command"] = seen_json(d.last_command);
    if (d.last_command) device["last_command"]["delivery"] = d.last_command_delivery;
    devices[d.name] = device;
  }
  j["devices"] = devices;

  nlohmann::json rules = nlohmann::json::object();
  for (const auto& r : s.rules) {
    nlohmann::json rule = {{"evaluations", r.evaluations},     {"matched", r.matched},
                           {"undefined", r.undefined},         {"fired", r.fired},
                           {"action_errors", r.action_errors}, {"error_action_failures", r.error_action_failures},
                           {"holding", r.holding},             {"last_fired", time_or_null(r.last_fired)},
                           {"for_s", nullptr},                 {"holding_since", nullptr},
                           {"fires_in_s", nullptr}};
    if (r.hold_for.count() > 0) rule["for_s"] = seconds(r.hold_for);
    if (r.holding) {
      rule["holding_since"] = time_or_null(r.holding_since);
      rule["fires_in_s"] = std::max(0.0, seconds(r.holding_since + r.hold_for - s.taken_at));
    }
    rules[r.rule] = rule;
  }
  j["rules"] = rules;
  return j;
}

}  // namespace edgebridge
