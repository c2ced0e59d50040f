#include "rules/rule_trial.hpp"

#include "core/json_text.hpp"
#include "routing/topic_trie.hpp"

namespace edgebridge::rules {

RuleTrial try_rule(const RuleConfig& rule, const Source& source, const Message& message,
                   std::chrono::system_clock::time_point now) {
  RuleTrial t;
  const Statement& st = *rule.statement;
  t.topic_matches = topic_matches(st.from, message.topic);
  EvalInput input(message.topic, message.payload);
  t.payload_refused = input.payload_refused();
  if (source.kind != SourceKind::local) input.client_id = source.name;
  input.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  if (st.where) t.where_value = describe(evaluate(*st.where, input));
  t.condition = evaluate_where(st, input);
  t.selected = evaluate_select(st, input);
  for (const auto& a : rule.actions) t.actions.push_back(plan_action(a, input, t.selected, message, now));
  Selected report;
  report.json = error_document(rule.name, rule.actions.empty() ? std::string() : rule.actions[0].path,
                               "(the action's error)", input, source, input.timestamp_ms);
  report.payload = dump_json(report.json);
  t.on_failure =
      plan_action(rule.error_action ? *rule.error_action : default_error_action(), input, report, message, now);
  return t;
}

}  // namespace edgebridge::rules
