#pragma once
// The `rules:` section of bridge.yaml after validation: each rule's parsed
// SQL, hold time and actions. Plain data, shared read-only by the engine.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostics.hpp"
#include "config/units.hpp"
#include "rules/sql_ast.hpp"
#include "rules/substitution.hpp"

namespace edgebridge {

// Where rule errors go when a rule has no error_action of its own.
inline constexpr const char* kDefaultRuleErrorTopic = "error/rules";

struct RuleAction {
  enum class Kind {
    publish,    // the SELECT output, to `topic`
    republish,  // the input message's payload unchanged, to `topic`
    command,    // a named command to a device adapter (DeviceEndpoint::invoke)
  };
  Kind kind = Kind::publish;
  std::string path;  // "rules[0].actions[1]", for logs and error messages

  // publish / republish
  rules::Template topic;
  std::string remote;  // empty: the local namespace (local broker, devices, out-mappings)
  int qos = 1;
  bool retain = false;
  // `batch:` (only with `remote`): packed into that remote's batch stream.
  std::shared_ptr<const BatchSpec> batch;

  // command
  std::string device;
  std::string command;
  rules::JsonTemplate args;  // null when absent
};

const char* to_string(RuleAction::Kind kind);

struct RuleConfig {
  std::string name;
  std::string sql;
  std::shared_ptr<const rules::Statement> statement;
  // for: the WHERE must hold this long without a break before the actions run
  // (once); absent: the actions run for every message that satisfies the WHERE.
  std::optional<Duration> hold;
  // max_gap (only with for): a hold is dropped when no satisfying message came
  // for this long. Absent: a hold stays armed however long the input is silent.
  std::optional<Duration> max_gap;
  std::vector<RuleAction> actions;
  // error_action: runs when an action fails. Absent: publish the error and the
  // input to error/rules on the local namespace.
  std::optional<RuleAction> error_action;
  bool enabled = true;
  Location where;
};

struct RulesConfig {
  std::vector<RuleConfig> rules;
  const RuleConfig* find(const std::string& name) const;
};

}  // namespace edgebridge
