#include "rules/rule_actions.hpp"

#include "config/sections.hpp"
#include "rules/json_text.hpp"

namespace edgebridge::rules {

PlannedAction plan_action(const RuleAction& action, const EvalInput& input, const Selected& selected,
                          const Message& original, std::chrono::system_clock::time_point now) {
  PlannedAction p;
  p.kind = action.kind;
  p.path = action.path;
  if (action.kind == RuleAction::Kind::command) {
    p.device = action.device;
    p.command = action.command;
    p.args = action.args.render(input);
    return p;
  }
  p.remote = action.remote;
  p.message.topic = action.topic.render(input);
  p.message.payload = action.kind == RuleAction::Kind::republish ? original.payload : selected.payload;
  p.message.qos = action.qos;
  p.message.retain = action.retain;
  p.message.received_at = now;
  if (!action.remote.empty()) p.message.batch = action.batch;
  if (auto why = sections::topic_name_problem(p.message.topic); !why.empty())
    p.problem = "topic \"" + p.message.topic + "\" from \"" + action.topic.source() + "\": " + why;
  return p;
}

Delivery run_action(const PlannedAction& planned, const std::string& rule, RuleEffects& effects, std::string& why) {
  if (!planned.problem.empty()) {
    why = planned.problem;
    return Delivery::error;
  }
  Delivery d = Delivery::error;
  switch (planned.kind) {
    case RuleAction::Kind::publish:
    case RuleAction::Kind::republish:
      d = planned.remote.empty() ? effects.publish_local(rule, planned.message, why)
                                 : effects.publish_remote(planned.remote, planned.message, why);
      break;
    case RuleAction::Kind::command: d = effects.command(planned.device, planned.command, planned.args, why); break;
  }
  if (d != Delivery::ok && why.empty()) why = std::string("delivery result ") + to_string(d);
  return d;
}

std::string describe(const PlannedAction& p) {
  std::string out;
  if (p.kind == RuleAction::Kind::command) {
    out = "command " + p.command + " to device " + p.device;
    if (!p.args.is_null()) out += " with args " + dump_json(p.args);
  } else {
    out = std::string(p.kind == RuleAction::Kind::republish ? "republish the input" : "publish") + " to " +
          (p.remote.empty() ? std::string("local") : "remote " + p.remote) + " topic " + p.message.topic + " (qos " +
          std::to_string(p.message.qos) + (p.message.retain ? ", retained" : "") +
          (p.message.batch ? ", in batches on " + p.message.batch->topic : std::string()) + "): " + p.message.payload;
  }
  if (!p.problem.empty()) out += "  -- cannot run: " + p.problem;
  return out;
}

nlohmann::json error_document(const std::string& rule, const std::string& action, const std::string& error,
                              const EvalInput& input, const Source& source, std::int64_t timestamp_ms) {
  nlohmann::json doc = nlohmann::json::object();
  doc["rule"] = rule;
  doc["action"] = action;
  doc["error"] = error;
  doc["topic"] = input.topic();
  if (input.json())
    doc["payload"] = *input.json();
  else
    doc["payload"] = input.raw_payload();
  doc["source"] = source.name.empty() ? std::string(to_string(source.kind))
                                      : std::string(to_string(source.kind)) + ":" + source.name;
  doc["timestamp"] = timestamp_ms;
  return doc;
}

const RuleAction& default_error_action() {
  static const RuleAction action = [] {
    RuleAction a;
    a.kind = RuleAction::Kind::publish;
    a.path = "error_action (default)";
    SqlError unused;
    a.topic = *Template::parse(kDefaultRuleErrorTopic, unused);
    a.qos = 1;
    return a;
  }();
  return action;
}

}  // namespace edgebridge::rules
