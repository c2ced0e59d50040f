// `rules:` section: each rule's SQL is parsed here, once; its actions are
// checked against the remotes and devices the file declares.
#include "rules/load_rules.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "config/batch_section.hpp"
#include "core/topic_names.hpp"
#include "rules/rule_config.hpp"
#include "rules/sql_parser.hpp"

namespace edgebridge {

namespace {

bool valid_name(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// A YAML scalar as JSON: quoted stays a string; plain is null, a boolean, a
// number or a string, as YAML reads it.
nlohmann::json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  char* end = nullptr;
  errno = 0;
  const long long i = std::strtoll(text.c_str(), &end, 10);
  if (*end == '\0' && errno != ERANGE) return static_cast<std::int64_t>(i);
  const double d = std::strtod(text.c_str(), &end);
  if (*end == '\0' && std::isdigit(static_cast<unsigned char>(text.back()))) return d;
  return text;
}

nlohmann::json yaml_to_json(const YAML::Node& node, int depth = 0) {
  if (!node.IsDefined() || node.IsNull() || depth > 64) return nullptr;
  if (node.IsScalar()) return scalar_to_json(node);
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(yaml_to_json(item, depth + 1));
    return out;
  }
  nlohmann::json out = nlohmann::json::object();
  for (auto it = node.begin(); it != node.end(); ++it)
    out[it->first.IsScalar() ? it->first.Scalar() : std::string("?")] = yaml_to_json(it->second, depth + 1);
  return out;
}

// A scalar read as written: ${...} in SQL and templates is SQL, not an
// environment variable, so this bypasses MapReader's substitution.
std::optional<std::string> verbatim(MapReader& r, const char* key, bool required) {
  YAML::Node n = r.raw(key);
  auto& ctx = r.context();
  if (!n.IsDefined() || n.IsNull()) {
    if (required) ctx.error(r.node(), r.key_path(key), "is required but missing");
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    ctx.error(n, r.key_path(key), n.IsSequence() ? "expected a single value, found a list"
                                                 : "expected a single value, found a mapping");
    return std::nullopt;
  }
  return n.Scalar();
}

class RuleReader {
 public:
  RuleReader(ConfigContext& ctx, const Config& config, const DeviceCatalog& catalog)
      : ctx_(ctx), config_(config), catalog_(catalog) {}

  std::optional<RuleConfig> read(const YAML::Node& node, const std::string& path) {
    MapReader r(ctx_, node, path);
    if (!node.IsMap()) return std::nullopt;  // the MapReader reported it
    RuleConfig rule;
    rule.where = ctx_.location(node);
    rule.name = r.required_string("name");
    if (!rule.name.empty()) {
      if (!valid_name(rule.name))
        ctx_.error(r.raw("name"), r.key_path("name"),
                   "\"" + rule.name + "\" is not a valid name; use letters, digits, '-' or '_'");
      else if (!names_.insert(rule.name).second)
        ctx_.error(r.raw("name"), r.key_path("name"), "another rule is already named \"" + rule.name + "\"");
    }
    if (auto sql = verbatim(r, "sql", true)) {
      rule.sql = *sql;
      auto parsed = rules::parse_statement(*sql);
      if (parsed.error)
        ctx_.error(r.raw("sql"), r.key_path("sql"),
                   rules::position_in(*sql, parsed.error->offset) + ": " + parsed.error->message);
      else
        rule.statement = parsed.statement;
    }
    statement_ = rule.statement.get();  // its SET variables, for the actions' ${@name}
    rule.hold = r.optional_duration("for");
    rule.max_gap = r.optional_duration("max_gap");
    if (rule.max_gap && !rule.hold)
      ctx_.error(r.raw("max_gap"), r.key_path("max_gap"),
                 "max_gap only applies to a rule with for:; add for: or remove max_gap");
    if (rule.max_gap && rule.max_gap->count() <= 0)
      ctx_.error(r.raw("max_gap"), r.key_path("max_gap"), "must be longer than 0s");
    rule.enabled = r.boolean("enabled", true);

    auto actions = r.sequence("actions");
    if (!r.has("actions"))
      ctx_.error(node, r.key_path("actions"), "is required: a rule needs at least one action (publish, republish or command)");
    else if (actions.empty() && r.raw("actions").IsSequence())
      ctx_.error(r.raw("actions"), r.key_path("actions"), "a rule needs at least one action (publish, republish or command)");
    for (auto& [action_node, action_path] : actions)
      if (auto a = action(action_node, action_path)) rule.actions.push_back(std::move(*a));

    YAML::Node error_node = r.raw("error_action");
    if (error_node.IsDefined() && !error_node.IsNull())
      rule.error_action = action(error_node, r.key_path("error_action"));
    r.finish();
    return rule;
  }

 private:
  std::optional<RuleAction> action(const YAML::Node& node, const std::string& path) {
    MapReader a(ctx_, node, path);
    if (!node.IsMap()) return std::nullopt;
    static const char* const kinds[] = {"publish", "republish", "command"};
    std::vector<const char*> given;
    for (const char* k : kinds)
      if (a.has(k)) given.push_back(k);
    for (const char* k : kinds) a.allow(k);
    a.finish();
    if (given.size() != 1) {
      ctx_.error(node, path,
                 given.empty() ? "an action needs one of: publish, republish, command"
                               : "an action takes one of publish, republish, command; write each as its own list item");
      return std::nullopt;
    }
    RuleAction out;
    out.path = path;
    const std::string kind = given[0];
    MapReader body = a.child(given[0]);
    if (kind == "command") {
      out.kind = RuleAction::Kind::command;
      read_command(body, out);
    } else {
      out.kind = kind == "publish" ? RuleAction::Kind::publish : RuleAction::Kind::republish;
      read_publish(body, out);
    }
    body.finish();
    return out;
  }

  void read_publish(MapReader& p, RuleAction& out) {
    if (auto topic = verbatim(p, "topic", true)) {
      rules::SqlError error;
      auto t = rules::Template::parse(*topic, error, statement_);
      if (!t) {
        ctx_.error(p.raw("topic"), p.key_path("topic"),
                   rules::position_in(*topic, error.offset) + ": " + error.message);
      } else if (!t->has_expressions()) {
        if (auto why = topic_name_problem(*topic); !why.empty())
          ctx_.error(p.raw("topic"), p.key_path("topic"), "\"" + *topic + "\": " + why);
      } else if (t->literal_text().find_first_of("+#") != std::string::npos) {
        ctx_.error(p.raw("topic"), p.key_path("topic"), "\"" + *topic + "\": a topic to publish on cannot contain + or #");
      }
      if (t) out.topic = std::move(*t);
    }
    if (auto remote = p.optional_string("remote")) {
      out.remote = *remote;
      if (!config_.find_remote(*remote)) {
        std::vector<std::string> names;
        for (const auto& r : config_.remotes) names.push_back(r.name);
        std::string msg = "unknown remote \"" + *remote + "\"";
        if (auto guess = did_you_mean(*remote, names); !guess.empty()) msg += "; did you mean \"" + guess + "\"?";
        msg += names.empty() ? std::string(" (no remotes are configured)") : " Remotes: " + join(names);
        ctx_.error(p.raw("remote"), p.key_path("remote"), msg);
      }
    }
    out.qos = static_cast<int>(p.integer("qos", 1, 0, 1));
    out.retain = p.boolean("retain", false);
    if (p.has("batch") && out.remote.empty()) {
      ctx_.error(p.raw("batch"), p.key_path("batch"),
                 "batches go to a remote: add remote: here, or let an out-mapping with batch: take the message");
      p.allow("batch");
    } else if (!out.topic.has_expressions() && !out.topic.literal_text().empty()) {
      out.batch = sections::read_batch(p, out.topic.literal_text() + "/batch");
    } else {
      out.batch = sections::read_batch(p, "",
                                       "the topic has ${...} substitutions, so there is no one default batch topic");
    }
  }

  void read_command(MapReader& c, RuleAction& out) {
    out.device = c.required_string("device");
    out.command = c.required_string("name");
    YAML::Node args = c.raw("args");
    if (args.IsDefined() && !args.IsNull()) {
      rules::SqlError error;
      std::string where;
      auto t = rules::JsonTemplate::parse(yaml_to_json(args), error, where, statement_);
      if (!t)
        ctx_.error(args, c.key_path("args") + where, error.message);
      else
        out.args = std::move(*t);
    }
    if (out.device.empty()) return;
    const DeviceConfig* device = config_.find_device(out.device);
    if (!device) {
      std::vector<std::string> names;
      for (const auto& d : config_.devices) names.push_back(d.name);
      std::string msg = "unknown device \"" + out.device + "\"";
      if (auto guess = did_you_mean(out.device, names); !guess.empty()) msg += "; did you mean \"" + guess + "\"?";
      msg += names.empty() ? std::string(" (no devices are configured)") : " Devices: " + join(names);
      ctx_.error(c.raw("device"), c.key_path("device"), msg);
      return;
    }
    if (out.command.empty()) return;
    for (const auto& kind : catalog_) {
      if (kind->type() != device->type) continue;
      auto commands = kind->command_names(*device);
      if (!commands || std::find(commands->begin(), commands->end(), out.command) != commands->end()) return;
      std::string msg = "device \"" + out.device + "\" (" + device->type + ") has no command \"" + out.command + "\"";
      if (auto guess = did_you_mean(out.command, *commands); !guess.empty()) msg += "; did you mean \"" + guess + "\"?";
      msg += commands->empty() ? std::string(" (it takes no commands)") : " Commands: " + join(*commands);
      ctx_.error(c.raw("name"), c.key_path("name"), msg);
    }
  }

  ConfigContext& ctx_;
  const Config& config_;
  const DeviceCatalog& catalog_;
  std::set<std::string> names_;
  const rules::Statement* statement_ = nullptr;  // the rule being read
};

}  // namespace

void read_rules(MapReader& root, Config& config, const DeviceCatalog& catalog) {
  auto rules = std::make_shared<RulesConfig>();
  RuleReader reader(root.context(), config, catalog);
  for (auto& [node, path] : root.sequence("rules"))
    if (auto rule = reader.read(node, path)) rules->rules.push_back(std::move(*rule));
  config.rules = std::move(rules);
}

const char* to_string(RuleAction::Kind kind) {
  switch (kind) {
    case RuleAction::Kind::publish: return "publish";
    case RuleAction::Kind::republish: return "republish";
    case RuleAction::Kind::command: return "command";
  }
  return "?";
}

const RuleConfig* RulesConfig::find(const std::string& name) const {
  for (const auto& r : rules)
    if (r.name == name) return &r;
  return nullptr;
}

}  // namespace edgebridge
