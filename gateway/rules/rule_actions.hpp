#pragma once
// Turning a configured action into what it will do for one message (topic
// substituted, payload chosen, args rendered), and doing it. Planning and
// doing are apart so `edgebridge rules test` can print the plan and stop.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/delivery.hpp"
#include "core/message.hpp"
#include "rules/rule_config.hpp"
#include "rules/rule_effects.hpp"
#include "rules/sql_eval.hpp"

namespace edgebridge::rules {

struct PlannedAction {
  RuleAction::Kind kind = RuleAction::Kind::publish;
  std::string path;     // rules[0].actions[1]
  std::string remote;   // publish/republish: empty = local namespace
  Message message;      // publish/republish
  std::string device;   // command
  std::string command;
  nlohmann::json args;
  std::string problem;  // set when it cannot run (e.g. the substituted topic is invalid)
};

// `selected` is the SELECT output (publish sends it); `input` is the rule's
// input message (templates read it; republish sends its payload).
PlannedAction plan_action(const RuleAction& action, const EvalInput& input, const Selected& selected,
                          const Message& original, std::chrono::system_clock::time_point now);

// Runs a planned action through `effects`; on failure returns it and sets `why`.
Delivery run_action(const PlannedAction& planned, const std::string& rule, RuleEffects& effects, std::string& why);

// One line: "publish to local topic alerts/lux1 (qos 1): {\"lux\":40000}".
std::string describe(const PlannedAction& planned);

// What an error action publishes: the rule, the failed action, the error and
// the input message (its payload as JSON when it is JSON, else as text).
nlohmann::json error_document(const std::string& rule, const std::string& action, const std::string& error,
                              const EvalInput& input, const Source& source, std::int64_t timestamp_ms);

// The error action of a rule without one: publish to error/rules, local, QoS 1.
const RuleAction& default_error_action();

}  // namespace edgebridge::rules
