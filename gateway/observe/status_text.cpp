#include "observe/status_text.hpp"

#include <fmt/format.h>

#include <cmath>

#include "config/units.hpp"
#include "core/echo.hpp"
#include "core/json_text.hpp"

namespace edgebridge {
namespace {

// The stats come from whatever answered on the metrics port (a gateway of
// another version, another program): every read tolerates any JSON there.
constexpr std::size_t kShownText = 512;  // bytes of one text value shown

const nlohmann::json& object_of(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

bool flag_of(const nlohmann::json& j, const char* key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

double number_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0.0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string text_of(const nlohmann::json& j, const char* key, const std::string& fallback = "-") {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_string()) return echo_text(it->get_ref<const std::string&>(), kShownText);
  return echo_text(dump_json(*it), kShownText);
}

// A count: a whole number from 0 up; anything else is 0.
std::uint64_t count_value(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) return v.get<std::int64_t>() > 0 ? static_cast<std::uint64_t>(v.get<std::int64_t>()) : 0;
  if (v.is_number_float()) {
    const double d = v.get<double>();
    return d >= 0 && d < 1.8e19 ? static_cast<std::uint64_t>(d) : 0;  // (NaN fails both)
  }
  return 0;
}

std::uint64_t count_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() ? count_value(*it) : 0;
}

std::string seconds_text(double seconds) {
  if (!(seconds > 0)) return "-";
  if (seconds >= 1e12) return fmt::format("{:.3g}s", seconds);  // beyond any uptime; format_duration's range
  return format_duration(Duration(static_cast<std::int64_t>(seconds) * 1000));
}

std::string number_text(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return dump_json(v);
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::fabs(d) < 1e15 && d == static_cast<double>(static_cast<std::int64_t>(d)))
      return std::to_string(static_cast<std::int64_t>(d));
    return fmt::format("{:.3g}", d);
  }
  return echo_text(v.is_string() ? v.get_ref<const std::string&>() : dump_json(v), kShownText);
}

std::uint64_t dropped_total(const nlohmann::json& outbox) {
  std::uint64_t total = 0;
  for (const auto& [reason, n] : object_of(outbox, "dropped").items()) total += count_value(n);
  return total;
}

}  // namespace

std::optional<nlohmann::json> parse_stats(const std::string& body, std::string& why) {
  BoundedJson parsed = parse_json_bounded(body, kStatsJsonLimits);
  if (parsed.refused) {
    why = "it answered JSON that was not read: " + parsed.error;
    return std::nullopt;
  }
  if (!parsed.ok() || !parsed.value.is_object()) {
    why = "it did not answer a JSON object";
    return std::nullopt;
  }
  return std::move(parsed.value);
}

std::string format_status(const nlohmann::json& s) {
  std::string out;
  out += fmt::format("gateway {}  version {}  up {}  {}\n", text_of(s, "gateway"), text_of(s, "version"),
                     seconds_text(number_of(s, "uptime_s")),
                     flag_of(s, "healthy", false) ? "healthy" : "UNHEALTHY (see /healthz)");
  const auto& local = object_of(s, "local");
  out += fmt::format("local broker  {:<12} since {}  connects {}\n", text_of(local, "state"), text_of(local, "since"),
                     count_of(local, "connects"));
  if (!text_of(local, "last_error", "").empty()) out += "  last error: " + text_of(local, "last_error") + "\n";

  out += fmt::format("\n{:<16}{:<12}{:<26}{:>8}{:>10}{:>11}{:>9}\n", "remote", "state", "since", "outbox", "oldest",
                     "forwarded", "dropped");
  const auto& remotes = object_of(s, "remotes");
  for (const auto& [name, r] : remotes.items()) {
    const auto& outbox = object_of(r, "outbox");
    out += fmt::format("{:<16}{:<12}{:<26}{:>8}{:>10}{:>11}{:>9}\n", echo_text(name), text_of(r, "state"),
                       text_of(r, "since"), count_of(outbox, "depth"), seconds_text(number_of(outbox, "oldest_age_s")),
                       count_of(outbox, "forwarded"), dropped_total(outbox));
    if (text_of(r, "down_since", "") != "")
      out += fmt::format("  down since {}{}\n", text_of(r, "down_since"),
                         flag_of(r, "healthy", true) ? " (within the grace period)"
                                                     : " (longer than the grace period)");
    if (!text_of(r, "last_error", "").empty() && text_of(r, "state") != "connected")
      out += "  last error: " + text_of(r, "last_error") + "\n";
    for (const auto& [reason, n] : object_of(outbox, "dropped").items())
      if (count_value(n) > 0) out += fmt::format("  dropped {:<16} {}\n", echo_text(reason), count_value(n));
  }

  const auto& m = object_of(s, "messages");
  const auto& received = object_of(m, "received");
  out += fmt::format("\nmessages in   local {}  remote {}  device {}\n", count_of(received, "local"),
                     count_of(received, "remote"), count_of(received, "device"));
  out += fmt::format("messages out  local {}  to outboxes {}  device commands {}  unrouted {}  local publish failed {}\n",
                     count_of(m, "published_local"), count_of(m, "to_outbox"), count_of(m, "device_commands"),
                     count_of(m, "unrouted"), count_of(m, "local_publish_failed"));

  const auto& devices = object_of(s, "devices");
  if (!devices.empty()) {
    out += "\ndevices\n";
    for (const auto& [name, d] : devices.items()) {
      std::string line = fmt::format("  {:<14}{:<12}", echo_text(name), text_of(d, "type"));
      if (d.is_object())
        for (const auto& [key, value] : d.items())
          if (key != "type") line += " " + echo_text(key) + " " + number_text(value);
      out += line + "\n";
    }
  }
  const auto& rules = object_of(s, "rules");
  if (!rules.empty()) {
    out += fmt::format("\n{:<16}{:>12}{:>9}{:>7}{:>15}{:>9}\n", "rule", "evaluations", "matched", "fired",
                       "action_errors", "holding");
    for (const auto& [name, r] : rules.items())
      out += fmt::format("{:<16}{:>12}{:>9}{:>7}{:>15}{:>9}\n", echo_text(name), count_of(r, "evaluations"),
                         count_of(r, "matched"), count_of(r, "fired"), count_of(r, "action_errors"),
                         flag_of(r, "holding", false) ? "yes" : "no");
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
