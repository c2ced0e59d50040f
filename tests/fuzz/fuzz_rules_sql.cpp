// Fuzzes the rules' SQL parser, evaluator and substitution templates. The
// input is a SQL statement, optionally followed by a blank line and a payload:
// any text must give a statement or a SqlError, and any statement evaluated on
// any payload must give a result, never a crash, a hang or undefined behaviour.
// The grammar covers CASE, IN, nested SELECT, EXISTS, SET @variables and every
// function of rules/sql_functions.cpp (seeds: tests/fuzz/corpus/rules_sql).
#include <cstddef>
#include <cstdint>
#include <string>

#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"
#include "rules/substitution.hpp"

namespace {

using namespace edgebridge::rules;

void evaluate_on(const Statement& st, const std::string& topic, const std::string& payload) {
  EvalInput input(topic, payload);
  input.client_id = "lux1";
  input.timestamp_ms = 1700000000000;
  input.new_uuid = [] { return std::string("00000000-0000-4000-8000-000000000000"); };
  (void)evaluate_where(st, input);
  (void)evaluate_select(st, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto split = text.find("\n\n");
  const std::string sql = split == std::string::npos ? text : text.substr(0, split);
  const std::string payload = split == std::string::npos ? std::string() : text.substr(split + 2);

  auto parsed = parse_statement(sql);
  if (parsed.error) (void)position_in(sql, parsed.error->offset);
  if (parsed.statement) {
    evaluate_on(*parsed.statement, "sensors/greenhouse/lux1", payload);
    evaluate_on(*parsed.statement, "sensors/greenhouse/lux1",
                R"({"lux": 40000.5, "n": null, "a": [1, "x", {"b": 2}], "s": "10", "o": {"k": true}})");
    evaluate_on(*parsed.statement, "", "not json");
  }

  // The same text as an action topic template, with the statement's variables.
  SqlError error;
  if (auto t = Template::parse(sql, error, parsed.statement.get())) {
    EvalInput input("a/b/c", payload);
    if (parsed.statement) (void)evaluate_where(*parsed.statement, input);
    (void)t->render(input);
  } else {
    (void)position_in(sql, error.offset);
  }
  return 0;
}
