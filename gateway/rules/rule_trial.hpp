#pragma once
// What one rule would select and do for one message, without doing it
// (`edgebridge rules test`). Holds are not simulated: a rule with `for:`
// reports what it would do when its hold fires.

#include <chrono>
#include <string>
#include <vector>

#include "core/message.hpp"
#include "rules/rule_actions.hpp"
#include "rules/rule_config.hpp"
#include "rules/sql_eval.hpp"

namespace edgebridge::rules {

struct RuleTrial {
  bool topic_matches = false;       // the topic matches the FROM filter
  std::string payload_refused;      // why a JSON-looking payload was not parsed (too deep, too large)
  Condition condition = Condition::is_false;
  std::string where_value;          // the WHERE's value as JSON, or "undefined"; empty without WHERE
  Selected selected;
  std::vector<PlannedAction> actions;
  PlannedAction on_failure;         // what a failing action would trigger
};

RuleTrial try_rule(const RuleConfig& rule, const Source& source, const Message& message,
                   std::chrono::system_clock::time_point now);

}  // namespace edgebridge::rules
