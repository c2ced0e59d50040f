// `devices:` section: the common keys here, the rest by the device's kind.
#include <algorithm>
#include <set>

#include "config/fingerprint.hpp"
#include "config/sections.hpp"
#include "shadow/load_shadow.hpp"
#include "shadow/shadow_config.hpp"

namespace edgebridge::sections {

void read_devices(MapReader& root, const DeviceCatalog& catalog, const std::vector<RemoteConfig>& remotes,
                  const GatewaySettings& gateway, std::vector<DeviceConfig>& out) {
  auto& ctx = root.context();
  std::vector<std::string> types;
  for (const auto& kind : catalog) types.push_back(kind->type());
  std::set<std::string> names;
  std::set<std::string> topics;

  for (auto& [node, path] : root.sequence("devices")) {
    MapReader d(ctx, node, path);
    if (!node.IsMap()) continue;
    DeviceConfig device;
    device.where = ctx.location(node);
    device.fingerprint = yaml_fingerprint(node);
    device.name = d.required_string("name");
    if (!device.name.empty()) {
      const bool valid = std::all_of(device.name.begin(), device.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
      if (!valid)
        ctx.error(d.raw("name"), d.key_path("name"), "\"" + device.name + "\" is not a valid name; use letters, digits, '-' or '_'");
      else if (!names.insert(device.name).second)
        ctx.error(d.raw("name"), d.key_path("name"), "another device is already named \"" + device.name + "\"");
    }
    device.topic = d.required_string("topic");
    if (!device.topic.empty()) {
      if (auto why = topic_name_problem(device.topic); !why.empty())
        ctx.error(d.raw("topic"), d.key_path("topic"), why);
      else if (!topics.insert(device.topic).second)
        ctx.error(d.raw("topic"), d.key_path("topic"), "another device already uses \"" + device.topic + "\"");
    }
    YAML::Node type_node = d.raw("type");
    std::string type = d.required_string("type");
    auto kind = std::find_if(catalog.begin(), catalog.end(), [&](const auto& k) { return k->type() == type; });
    if (kind == catalog.end()) {
      if (!type.empty()) {
        std::string msg = "unknown device type \"" + type + "\"";
        if (auto guess = did_you_mean(type, types); !guess.empty()) msg += "; did you mean \"" + guess + "\"?";
        msg += " Valid types:";
        for (const auto& t : types) msg += " " + t;
        ctx.error(type_node, d.key_path("type"), msg);
      }
      continue;  // without a kind the other keys cannot be judged
    }
    device.type = type;
    device.settings = (*kind)->parse(d, device);
    if (device.settings)
      device.shadow = read_device_shadow(d, device, **kind, remotes, gateway);
    else
      d.allow("shadow");
    d.finish();
    out.push_back(std::move(device));
  }

  for (const auto& kind : catalog) {
    std::vector<const DeviceConfig*> of_kind;
    for (const auto& device : out)
      if (device.type == kind->type() && device.settings) of_kind.push_back(&device);
    if (!of_kind.empty()) kind->check_together(of_kind, ctx.diag());
  }
  check_shadows(out, ctx.diag());
}

}  // namespace edgebridge::sections
