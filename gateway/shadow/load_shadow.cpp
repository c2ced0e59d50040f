#include "shadow/load_shadow.hpp"

#include <algorithm>
#include <map>

#include "core/topic_names.hpp"
#include "shadow/desired_keys.hpp"

namespace edgebridge {
namespace {

bool aws_name_chars(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '-';
  });
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string read_remote(MapReader& s, const YAML::Node& at, const std::vector<RemoteConfig>& remotes) {
  auto& ctx = s.context();
  std::vector<std::string> names;
  names.reserve(remotes.size());
  for (const auto& r : remotes) names.push_back(r.name);
  if (auto given = s.optional_string("remote")) {
    if (std::find(names.begin(), names.end(), *given) != names.end()) return *given;
    std::string msg = "no remote named \"" + *given + "\"";
    if (auto guess = did_you_mean(*given, names); !guess.empty())
      msg += "; did you mean \"" + guess + "\"?";
    else if (!names.empty())
      msg += ".";
    msg += names.empty() ? std::string("; add one under remotes:") : " Remotes: " + joined(names);
    ctx.error(s.raw("remote"), s.key_path("remote"), msg);
    return {};
  }
  if (names.size() == 1) return names.front();
  if (names.empty())
    ctx.error(at, s.path(), "a shadow is kept by a cloud remote's shadow service; add a remote under remotes:");
  else
    ctx.error(at, s.key_path("remote"),
              "is required with several remotes: say which keeps the shadow (" + joined(names) + ")");
  return {};
}

void read_reported(MapReader& s, ShadowConfig& cfg, const DeviceConfig& device) {
  auto& ctx = s.context();
  if (!s.has("reported")) {
    s.allow("reported");
    return;
  }
  YAML::Node node = s.raw("reported");
  const auto keys = s.string_list("reported");
  if (cfg.reading_keys && cfg.reading_keys->empty()) {
    ctx.error(node, s.key_path("reported"),
              "device \"" + device.name + "\" (" + device.type +
                  ") has no readings; its reported state is the desired keys it carried out");
    return;
  }
  std::vector<std::string> known;
  if (cfg.reading_keys)
    for (const auto& k : *cfg.reading_keys) known.push_back(k.name);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const YAML::Node at = node.IsSequence() ? node[i] : node;
    const std::string path = s.key_path("reported") + (node.IsSequence() ? "[" + std::to_string(i) + "]" : "");
    if (auto why = shadow_key_problem(keys[i]); !why.empty()) {
      ctx.error(at, path, why);
      continue;
    }
    if (cfg.reading_keys && std::find(known.begin(), known.end(), keys[i]) == known.end()) {
      std::string msg = "device \"" + device.name + "\" has no reading \"" + keys[i] + "\"";
      if (auto guess = did_you_mean(keys[i], known); !guess.empty())
        msg += "; did you mean \"" + guess + "\"?";
      else
        msg += ".";
      msg += " Readings: " + joined(known);
      ctx.error(at, path, msg);
      continue;
    }
    if (std::find(out.begin(), out.end(), keys[i]) != out.end()) {
      ctx.error(at, path, "\"" + keys[i] + "\" is listed twice");
      continue;
    }
    out.push_back(keys[i]);
  }
  cfg.reported = out;
}

}  // namespace

std::string thing_name_problem(const std::string& thing) {
  if (thing.empty() || thing.size() > 128 || !aws_name_chars(thing))
    return "\"" + thing + "\" is not a valid thing name: 1 to 128 letters, digits, ':', '_' or '-'";
  return {};
}

std::string shadow_name_problem(const std::string& name) {
  if (name.empty() || name.size() > 64 || !aws_name_chars(name))
    return "\"" + name + "\" is not a valid shadow name: 1 to 64 letters, digits, ':', '_' or '-'";
  return {};
}

std::shared_ptr<const ShadowConfig> read_device_shadow(MapReader& entry, const DeviceConfig& device,
                                                       const DeviceKind& kind, const std::vector<RemoteConfig>& remotes,
                                                       const GatewaySettings& gateway) {
  auto& ctx = entry.context();
  YAML::Node node = entry.raw("shadow");
  if (!node.IsDefined()) return nullptr;
  if (node.IsScalar()) {  // shadow: true (every default) or shadow: false
    const std::string& v = node.Scalar();
    if (v == "false" || v == "no" || v == "off") return nullptr;
    if (v != "true" && v != "yes" && v != "on") {
      ctx.error(node, entry.key_path("shadow"), "expected a mapping of shadow settings (or true for every default)");
      return nullptr;
    }
    node = YAML::Node(YAML::NodeType::Null);
  }
  MapReader s(ctx, node, entry.key_path("shadow"));
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) return nullptr;  // the MapReader reported it
  const YAML::Node at = entry.raw("shadow");

  auto cfg = std::make_shared<ShadowConfig>();
  cfg->device = device.name;
  cfg->where = ctx.location(at);
  cfg->remote = read_remote(s, at, remotes);
  cfg->thing = s.string("thing", gateway.id + "-" + device.name);
  if (auto why = thing_name_problem(cfg->thing); !why.empty())
    ctx.error(s.has("thing") ? s.raw("thing") : at, s.key_path("thing"),
              why + (s.has("thing") ? std::string() : " (the default is <gateway.id>-<device name>; set thing:)"));
  cfg->name = s.string("name", "");
  if (s.has("name"))
    if (auto why = shadow_name_problem(cfg->name); !why.empty()) ctx.error(s.raw("name"), s.key_path("name"), why);
  cfg->reading_keys = kind.shadow_readings(device);
  read_reported(s, *cfg, device);
  cfg->desired = kind.shadow_desired(s, device);
  cfg->report_interval = s.duration("report_interval", cfg->report_interval);
  if (cfg->report_interval.count() < 0)
    ctx.error(s.raw("report_interval"), s.key_path("report_interval"), "cannot be negative");
  cfg->local_topic = s.string("local_topic", "shadow/" + device.name);
  if (auto why = topic_name_problem(cfg->local_topic); !why.empty())
    ctx.error(s.has("local_topic") ? s.raw("local_topic") : at, s.key_path("local_topic"), why);
  if (!cfg->reading_keys || !cfg->reading_keys->empty()) cfg->readings_topic = device.topic;
  s.finish();
  return cfg;
}

void check_shadows(const std::vector<DeviceConfig>& devices, Diagnostics& diag) {
  std::map<std::string, std::string> shadows;  // remote/thing/name -> device
  std::map<std::string, std::string> locals;   // local topic -> device
  for (const auto& d : devices) {
    if (!d.shadow) continue;
    const ShadowConfig& s = *d.shadow;
    const std::string path = "devices." + d.name + ".shadow";
    const std::string id = s.remote + "\n" + s.thing + "\n" + s.name;
    if (auto [it, fresh] = shadows.emplace(id, d.name); !fresh)
      diag.error(s.where, path,
                 "device \"" + it->second + "\" already uses " +
                     (s.name.empty() ? "the classic shadow" : "shadow \"" + s.name + "\"") + " of thing \"" + s.thing +
                     "\" on remote " + s.remote + "; give this one another thing: or name:");
    if (auto [it, fresh] = locals.emplace(s.local_topic, d.name); !fresh)
      diag.error(s.where, path + ".local_topic",
                 "device \"" + it->second + "\" already shows its shadow under \"" + s.local_topic + "\"");
  }
}

}  // namespace edgebridge
