// `topics:` section: Mosquitto's bridge `topic` lines as YAML.
#include <algorithm>

#include "config/sections.hpp"

namespace edgebridge::sections {

std::string topic_filter_problem(const std::string& filter) {
  if (filter.empty()) return "a topic filter cannot be empty";
  if (filter.size() > 65535) return "a topic filter is at most 65535 bytes";
  if (filter.find('\0') != std::string::npos) return "a topic filter cannot contain a NUL character";
  std::size_t level_start = 0;
  for (std::size_t i = 0; i <= filter.size(); ++i) {
    if (i < filter.size() && filter[i] != '/') continue;
    const std::string level = filter.substr(level_start, i - level_start);
    if (level.find('#') != std::string::npos) {
      if (level != "#") return "\"#\" must be a whole level, e.g. sensors/#";
      if (i != filter.size()) return "\"#\" must be the last level of a filter";
    }
    if (level.find('+') != std::string::npos && level != "+")
      return "\"+\" must be a whole level, e.g. sensors/+/temperature";
    level_start = i + 1;
  }
  return {};
}

std::string topic_name_problem(const std::string& topic) {
  if (topic.empty()) return "a topic cannot be empty";
  if (topic.find_first_of("+#") != std::string::npos) return "a topic to publish on cannot contain + or #";
  if (topic.find('\0') != std::string::npos) return "a topic cannot contain a NUL character";
  return {};
}

void read_topics(MapReader& root, const std::vector<RemoteConfig>& remotes, std::vector<TopicMapping>& out) {
  auto& ctx = root.context();
  std::vector<std::string> names;
  names.reserve(remotes.size());
  for (const auto& r : remotes) names.push_back(r.name);
  auto items = root.sequence("topics");
  if (!items.empty() && remotes.empty())
    ctx.error(root.raw("topics"), "topics", "there are topic mappings but no remotes; add a remote under remotes:");

  for (auto& [node, path] : items) {
    MapReader t(ctx, node, path);
    if (!node.IsMap()) continue;  // the MapReader reported it
    TopicMapping m;
    m.index = out.size();
    m.where = ctx.location(node);
    m.pattern = t.string("pattern", "");
    const std::string dir = t.choice("direction", "out", {"in", "out", "both"});
    m.direction = dir == "in" ? Direction::in : dir == "both" ? Direction::both : Direction::out;
    m.qos = static_cast<int>(t.integer("qos", 1, 0, 1));
    m.local_prefix = t.string("local_prefix", "");
    m.remote_prefix = t.string("remote_prefix", "");
    for (const char* key : {"local_prefix", "remote_prefix"}) {
      const std::string& prefix = std::string(key) == "local_prefix" ? m.local_prefix : m.remote_prefix;
      if (prefix.find_first_of("+#") != std::string::npos)
        ctx.error(t.raw(key), t.key_path(key), "a prefix cannot contain + or #");
    }
    if (!t.has("pattern") && m.local_prefix.empty() && m.remote_prefix.empty()) {
      ctx.error(node, t.key_path("pattern"), "is required (e.g. sensors/#)");
    } else {
      for (const auto& filter : {m.local_filter(), m.remote_filter()}) {
        if (auto why = topic_filter_problem(filter); !why.empty()) {
          ctx.error(t.has("pattern") ? t.raw("pattern") : node, t.key_path("pattern"),
                    "\"" + filter + "\": " + why);
          break;
        }
      }
    }
    if (t.has("batch") && m.direction == Direction::in)
      ctx.error(t.raw("batch"), t.key_path("batch"),
                "batches are for messages going to a remote; this mapping is direction: in (use out or both)");
    m.batch = read_batch(t, default_batch_topic(m.remote_filter()));
    if (m.direction == Direction::in) m.batch = nullptr;
    YAML::Node remote_node = t.raw("remote");
    auto wanted = t.string_list("remote");
    if (wanted.empty()) {
      m.remotes = names;
    } else {
      for (const auto& w : wanted) {
        if (std::find(names.begin(), names.end(), w) != names.end()) {
          m.remotes.push_back(w);
          continue;
        }
        std::string msg = "no remote is named \"" + w + "\"";
        if (auto guess = did_you_mean(w, names); !guess.empty()) msg += "; did you mean \"" + guess + "\"?";
        if (!names.empty()) {
          msg += " Remotes:";
          for (const auto& n : names) msg += " " + n;
        }
        ctx.error(remote_node, t.key_path("remote"), msg);
      }
    }
    t.finish();
    out.push_back(std::move(m));
  }
}

}  // namespace edgebridge::sections
