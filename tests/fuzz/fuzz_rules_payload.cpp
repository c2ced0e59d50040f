// Fuzzes what a rule does with a payload from outside: the bounded JSON parse
// (core/json_limits.hpp) and rules that read, copy, print, decode and search
// it. Any bytes - 60,000 nested '[', megabytes, invalid UTF-8 - must give a
// result or a clear refusal, never a crash or a hang. Seeds:
// tests/fuzz/corpus/rules_payload.
//
// Small seeds reach deep and huge payloads through expand_input.hpp
// ("\x01\x3b[\x02]" is 60,000 nested '[' and their 60,000 ']').
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/json_limits.hpp"
#include "core/json_text.hpp"
#include "expand_input.hpp"
#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"

namespace {

using namespace edgebridge::rules;

const std::vector<std::shared_ptr<const Statement>>& statements() {
  static const std::vector<std::shared_ptr<const Statement>> all = [] {
    const char* const sql[] = {
        "SELECT * FROM '#'",
        "SELECT *, topic() AS t FROM '#' WHERE a IS NOT UNDEFINED",
        "SELECT a.b[0].c AS c, get(*, 'a') AS a, concat(*, 'x') AS s FROM '#' WHERE a IN [1, 2] OR a = 'x'",
        "SELECT (SELECT VALUE n FROM e WHERE v > 1) AS names, EXISTS (SELECT * FROM e AS x WHERE x = 3) AS has "
        "FROM '#'",
        "SELECT decode(encode(*, 'base64'), 'base64') AS copy, md5(*) AS h, length(*) AS n FROM '#'",
        "SELECT regexp_substr(*, '[0-9]+') AS d, regexp_replace(*, 'a+b', 'x') AS r FROM '#'",
        "SET @v = get(e, 0) SELECT CASE @v.n WHEN 'a' THEN 1 ELSE transform('enrichArray', {'k': 1}, e) END AS c "
        "FROM '#'",
        "SELECT VALUE cast(get(*, 'a') AS String) FROM '#'",
    };
    std::vector<std::shared_ptr<const Statement>> out;
    for (const char* s : sql) out.push_back(parse_statement(s).statement);
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string payload = edgebridge::fuzz::expand_input(data, size);
  const edgebridge::BoundedJson parsed = edgebridge::parse_json_bounded(payload);
  if (parsed.ok()) (void)edgebridge::dump_json(parsed.value);  // printing a bounded document is safe
  EvalInput input("sensors/a/b", payload);
  input.timestamp_ms = 1700000000000;
  for (const auto& st : statements()) {
    if (!st) __builtin_trap();  // every statement above must parse
    (void)evaluate_where(*st, input);
    (void)evaluate_select(*st, input);
  }
  return 0;
}
