#include "shadow/desired_keys.hpp"

#include <algorithm>
#include <set>

#include "shadow/shadow_config.hpp"

namespace edgebridge {

std::string shadow_key_problem(const std::string& key) {
  if (key.empty()) return "a shadow key cannot be empty";
  if (key.size() > 64) return "\"" + key.substr(0, 64) + "...\" is longer than 64 characters";
  const bool valid = std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (!valid) return "\"" + key + "\" is not a valid shadow key; use letters, digits, '-' or '_'";
  if (key == kShadowErrorsKey)
    return "\"errors\" is taken: the reported state explains refused desired values under it";
  return {};
}

std::vector<DesiredName> read_desired_names(MapReader& shadow) {
  auto& ctx = shadow.context();
  std::vector<DesiredName> out;
  YAML::Node node = shadow.raw("desired");
  const std::string path = shadow.key_path("desired");
  if (!node.IsDefined() || node.IsNull()) return out;
  std::vector<std::pair<YAML::Node, std::string>> items;
  if (node.IsScalar()) {
    items.emplace_back(node, path);
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) items.emplace_back(node[i], path + "[" + std::to_string(i) + "]");
  } else {
    ctx.error(node, path, "expected a list of names, e.g. desired: [setpoint]");
    return out;
  }
  std::set<std::string> seen;
  for (auto& [item, item_path] : items) {
    auto text = scalar_text(ctx, item, item_path);
    if (!text) continue;
    if (auto why = shadow_key_problem(*text); !why.empty()) {
      ctx.error(item, item_path, why);
      continue;
    }
    if (!seen.insert(*text).second) {
      ctx.error(item, item_path, "\"" + *text + "\" is listed twice");
      continue;
    }
    out.push_back({*text, item, item_path});
  }
  return out;
}

std::vector<DesiredChoiceEntry> read_desired_choices(MapReader& shadow) {
  auto& ctx = shadow.context();
  std::vector<DesiredChoiceEntry> out;
  YAML::Node node = shadow.raw("desired");
  const std::string path = shadow.key_path("desired");
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) {
    ctx.error(
        node, path,
        "expected a mapping of each desired key to its values, e.g. desired: { shade: { open: open, closed: close } }");
    return out;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key_node = it->first;
    const YAML::Node values = it->second;
    if (!key_node.IsScalar()) {
      ctx.error(key_node, path, "keys must be plain words");
      continue;
    }
    DesiredChoiceEntry entry;
    entry.key = key_node.Scalar();
    entry.key_node = key_node;
    entry.path = path + "." + entry.key;
    if (auto why = shadow_key_problem(entry.key); !why.empty()) {
      ctx.error(key_node, entry.path, why);
      continue;
    }
    if (!values.IsMap() || values.size() == 0) {
      ctx.error(values.IsDefined() && !values.IsNull() ? values : key_node, entry.path,
                "expected a mapping of each desired value to what it does, e.g. { open: open, closed: close }");
      continue;
    }
    for (auto v = values.begin(); v != values.end(); ++v) {
      const YAML::Node value_node = v->first;
      const YAML::Node target_node = v->second;
      if (!value_node.IsScalar()) {
        ctx.error(value_node, entry.path, "values must be plain words or numbers");
        continue;
      }
      DesiredChoiceEntry::Item item;
      item.value = value_node.Scalar();
      item.path = entry.path + "." + item.value;
      if (!target_node.IsDefined() || target_node.IsNull()) {
        ctx.error(value_node, item.path,
                  "says nothing to do; name what this value does, e.g. " + item.value + ": close");
        continue;
      }
      item.node = target_node;
      auto target = scalar_text(ctx, target_node, item.path);
      if (!target) continue;
      item.target = *target;
      entry.items.push_back(std::move(item));
    }
    if (!entry.items.empty()) out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace edgebridge
