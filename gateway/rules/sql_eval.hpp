#pragma once
// Evaluates parsed SQL against one message, with AWS IoT's Undefined
// semantics: a missing key, a wrong-typed operand or a comparison with
// Undefined gives Undefined, never an error; a WHERE that is not true does
// not fire the rule; a SELECT item that is Undefined is left out.
//
// Never throws (bad payloads, any SQL the parser accepted).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/sql_ast.hpp"
#include "rules/value.hpp"

namespace edgebridge::rules {

// The message a rule is evaluated on, and what the functions read. Used by
// one thread at a time (it caches per-message values: SET variables, traceid()).
class EvalInput {
 public:
  // `payload` is parsed here once, within core/json_limits.hpp's bounds; a
  // payload that is not JSON (or is refused: too deep, too large) is kept as
  // bytes (SELECT * passes it through; keys in it are Undefined).
  EvalInput(std::string topic, std::string payload);

  const std::string& topic() const { return topic_; }
  const std::string& raw_payload() const { return raw_; }
  // The parsed payload, or null when it is not JSON.
  const nlohmann::json* json() const { return json_.is_discarded() ? nullptr : &json_; }
  // Why a payload that looks like JSON was not parsed (over a bound); empty otherwise.
  const std::string& payload_refused() const { return refused_; }
  // Topic level n (1-based), or nullptr.
  const std::string* topic_level(std::int64_t n) const;

  std::optional<std::string> client_id;    // clientid(): the source's name where known
  std::int64_t timestamp_ms = 0;           // timestamp(): when the rule evaluates
  std::function<std::string()> new_uuid;   // newuuid(), traceid(); a random v4 UUID when unset

  // traceid(): one UUID per message, the same for every rule and action.
  const std::string& trace_id() const;
  // The value of SET variable `index` of `scope`, evaluated once per message.
  Value variable(const std::vector<Variable>& scope, std::size_t index) const;

 private:
  std::string topic_;
  std::string raw_;
  nlohmann::json json_;
  std::string refused_;
  std::vector<std::string> levels_;
  mutable std::string trace_id_;
  // Per statement (a message may run several rules): its variables' values.
  mutable std::vector<std::pair<const std::vector<Variable>*, std::vector<std::optional<Value>>>> variables_;
};

Value evaluate(const Expr& expr, const EvalInput& input);

// The WHERE clause: true, false or Undefined (no WHERE: true).
enum class Condition { is_true, is_false, undefined };
Condition evaluate_where(const Statement& statement, const EvalInput& input);

// The SELECT output as the payload a publish action sends: a JSON object (or
// the value itself for SELECT VALUE; the raw payload for a lone `*`).
struct Selected {
  std::string payload;
  nlohmann::json json = nlohmann::json(nlohmann::json::value_t::discarded);  // discarded: raw bytes, or Undefined
};
Selected evaluate_select(const Statement& statement, const EvalInput& input);

// A random version 4 UUID, e.g. "3f2b6c1e-8d4a-4f7b-9c2e-1a5b7d9e0f12".
std::string random_uuid();

}  // namespace edgebridge::rules
