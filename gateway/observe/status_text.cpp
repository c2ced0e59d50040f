#include "observe/status_text.hpp"

#include <fmt/format.h>

#include "config/units.hpp"

namespace edgebridge {
namespace {

std::string text_of(const nlohmann::json& j, const char* key, const std::string& fallback = "-") {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return fallback;
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

std::uint64_t count_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  return j[key].get<std::uint64_t>();
}

std::string seconds_text(double seconds) {
  if (seconds <= 0) return "-";
  return format_duration(Duration(static_cast<std::int64_t>(seconds) * 1000));
}

std::string number_text(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == static_cast<double>(static_cast<std::int64_t>(d))) return std::to_string(static_cast<std::int64_t>(d));
    return fmt::format("{:.3g}", d);
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::uint64_t dropped_total(const nlohmann::json& outbox) {
  std::uint64_t total = 0;
  if (outbox.contains("dropped") && outbox["dropped"].is_object())
    for (const auto& [reason, n] : outbox["dropped"].items())
      if (n.is_number()) total += n.get<std::uint64_t>();
  return total;
}

}  // namespace

std::string format_status(const nlohmann::json& s) {
  std::string out;
  out += fmt::format("gateway {}  version {}  up {}  {}\n", text_of(s, "gateway"), text_of(s, "version"),
                     seconds_text(s.value("uptime_s", 0.0)),
                     s.value("healthy", false) ? "healthy" : "UNHEALTHY (see /healthz)");
  const auto local = s.value("local", nlohmann::json::object());
  out += fmt::format("local broker  {:<12} since {}  connects {}\n", text_of(local, "state"), text_of(local, "since"),
                     count_of(local, "connects"));
  if (!text_of(local, "last_error", "").empty()) out += "  last error: " + text_of(local, "last_error") + "\n";

  out += fmt::format("\n{:<16}{:<12}{:<26}{:>8}{:>10}{:>11}{:>9}\n", "remote", "state", "since", "outbox", "oldest",
                     "forwarded", "dropped");
  const auto remotes = s.value("remotes", nlohmann::json::object());
  for (const auto& [name, r] : remotes.items()) {
    const auto outbox = r.value("outbox", nlohmann::json::object());
    out += fmt::format("{:<16}{:<12}{:<26}{:>8}{:>10}{:>11}{:>9}\n", name, text_of(r, "state"), text_of(r, "since"),
                       count_of(outbox, "depth"), seconds_text(outbox.value("oldest_age_s", 0.0)),
                       count_of(outbox, "forwarded"), dropped_total(outbox));
    if (r.contains("down_since") && !r["down_since"].is_null())
      out += fmt::format("  down since {}{}\n", text_of(r, "down_since"),
                         r.value("healthy", true) ? " (within the grace period)" : " (longer than the grace period)");
    if (!text_of(r, "last_error", "").empty() && text_of(r, "state") != "connected")
      out += "  last error: " + text_of(r, "last_error") + "\n";
    if (outbox.contains("dropped") && outbox["dropped"].is_object())
      for (const auto& [reason, n] : outbox["dropped"].items())
        if (n.is_number() && n.get<std::uint64_t>() > 0)
          out += fmt::format("  dropped {:<16} {}\n", reason, n.get<std::uint64_t>());
  }

  const auto m = s.value("messages", nlohmann::json::object());
  const auto received = m.value("received", nlohmann::json::object());
  out += fmt::format("\nmessages in   local {}  remote {}  device {}\n", count_of(received, "local"),
                     count_of(received, "remote"), count_of(received, "device"));
  out += fmt::format("messages out  local {}  to outboxes {}  device commands {}  unrouted {}  local publish failed {}\n",
                     count_of(m, "published_local"), count_of(m, "to_outbox"), count_of(m, "device_commands"),
                     count_of(m, "unrouted"), count_of(m, "local_publish_failed"));

  const auto devices = s.value("devices", nlohmann::json::object());
  if (!devices.empty()) {
    out += "\ndevices\n";
    for (const auto& [name, d] : devices.items()) {
      std::string line = fmt::format("  {:<14}{:<12}", name, text_of(d, "type"));
      for (const auto& [key, value] : d.items())
        if (key != "type") line += " " + key + " " + number_text(value);
      out += line + "\n";
    }
  }
  const auto rules = s.value("rules", nlohmann::json::object());
  if (!rules.empty()) {
    out += fmt::format("\n{:<16}{:>12}{:>9}{:>7}{:>15}{:>9}\n", "rule", "evaluations", "matched", "fired",
                       "action_errors", "holding");
    for (const auto& [name, r] : rules.items())
      out += fmt::format("{:<16}{:>12}{:>9}{:>7}{:>15}{:>9}\n", name, count_of(r, "evaluations"),
                         count_of(r, "matched"), count_of(r, "fired"), count_of(r, "action_errors"),
                         r.value("holding", false) ? "yes" : "no");
  }
  return out;
}

std::string format_outbox_fallback(const std::vector<std::string>& remotes, const std::vector<OutboxQueueStats>& stats) {
  std::string out = fmt::format("{:<16}{:>8}{:>12}{:>10}\n", "remote", "outbox", "bytes", "oldest");
  for (const auto& name : remotes) {
    const OutboxQueueStats* found = nullptr;
    for (const auto& q : stats)
      if (q.remote == name) found = &q;
    if (!found) {
      out += fmt::format("{:<16}{:>8}{:>12}{:>10}\n", name, 0, "0B", "-");
      continue;
    }
    out += fmt::format("{:<16}{:>8}{:>12}{:>10}\n", name, found->depth, format_size(found->depth_bytes),
                       seconds_text(static_cast<double>(found->oldest_age_ms) / 1000.0));
  }
  return out;
}

}  // namespace edgebridge
