// The evaluator on JSON payloads: AWS IoT's operator tables, conversions and
// Undefined. The rule: anything Undefined in a comparison makes the WHERE
// Undefined, and the rule does not fire; a SELECT item that is Undefined is
// left out of the output; nothing is ever an error.
#include <catch2/catch.hpp>

#include <string>

#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"

using namespace edgebridge::rules;

namespace {

std::string value_of(const std::string& expr, const std::string& payload = "{}") {
  auto parsed = parse_expression(expr, 0);
  INFO(expr << (parsed.error ? "\nerror: " + parsed.error->message : std::string()));
  REQUIRE(parsed.expr);
  EvalInput input("sensors/greenhouse/lux1", payload);
  return describe(evaluate(*parsed.expr, input));
}

Condition where(const std::string& condition, const std::string& payload) {
  auto parsed = parse_statement("SELECT * FROM '#' WHERE " + condition);
  INFO(condition << (parsed.error ? "\nerror: " + parsed.error->message : std::string()));
  REQUIRE(parsed.statement);
  EvalInput input("sensors/greenhouse/lux1", payload);
  return evaluate_where(*parsed.statement, input);
}

std::string select(const std::string& items, const std::string& payload) {
  auto parsed = parse_statement("SELECT " + items + " FROM '#'");
  INFO(items << (parsed.error ? "\nerror: " + parsed.error->message : std::string()));
  REQUIRE(parsed.statement);
  EvalInput input("sensors/greenhouse/lux1", payload);
  return evaluate_select(*parsed.statement, input).payload;
}

const char* const kReading = R"({"lux": 40000.5, "temperature": 21, "ok": true, "state": "open",
                                  "levels": [1, 2, 3], "meta": {"unit": "lx", "n": null}})";

}  // namespace

TEST_CASE("a missing key makes the WHERE undefined, so the rule does not fire", "[rules][eval][undefined]") {
  CHECK(where("lux > 35000", kReading) == Condition::is_true);
  CHECK(where("lux > 35000", R"({"temperature": 21})") == Condition::undefined);
  CHECK(where("missing = 1", kReading) == Condition::undefined);
  CHECK(where("missing <> 1", kReading) == Condition::undefined);
  CHECK(where("NOT missing", kReading) == Condition::undefined);
  CHECK(where("lux > 35000 AND missing > 1", kReading) == Condition::undefined);
  CHECK(where("lux > 35000 OR missing > 1", kReading) == Condition::undefined);  // AND/OR need two Booleans
  CHECK(where("meta.unit.deeper = 'x'", kReading) == Condition::undefined);
  CHECK(where("levels[7] > 0", kReading) == Condition::undefined);
  CHECK(where("lux > 35000", "not json at all") == Condition::undefined);
  CHECK(where("lux > 35000", R"([{"lux": 40000}])") == Condition::undefined);  // the payload is not an object
}

TEST_CASE("a WHERE that is not a Boolean does not fire", "[rules][eval][undefined]") {
  CHECK(where("lux", kReading) == Condition::undefined);
  CHECK(where("state", kReading) == Condition::undefined);
  CHECK(where("ok", kReading) == Condition::is_true);
  CHECK(where("'TRUE'", kReading) == Condition::is_true);  // "true"/"false" strings convert
}

TEST_CASE("SELECT leaves out what is undefined and keeps null", "[rules][eval][undefined]") {
  CHECK(select("lux, missing, meta.n AS n, meta.none AS none", kReading) == R"({"lux":40000.5,"n":null})");
  CHECK(select("missing", kReading) == "{}");
  CHECK(select("VALUE missing", kReading).empty());
}

TEST_CASE("IS NULL, IS NOT NULL, IS UNDEFINED tell a null key from a missing one", "[rules][eval]") {
  const char* payload = R"({"n": null, "v": 0})";
  CHECK(value_of("n IS NULL", payload) == "true");
  CHECK(value_of("v IS NULL", payload) == "false");
  CHECK(value_of("gone IS NULL", payload) == "false");
  CHECK(value_of("n IS NOT NULL", payload) == "false");
  CHECK(value_of("v IS NOT NULL", payload) == "true");
  CHECK(value_of("gone IS NOT NULL", payload) == "false");  // "has a value": a missing key has none
  CHECK(value_of("gone IS UNDEFINED", payload) == "true");
  CHECK(value_of("n IS UNDEFINED", payload) == "false");
  CHECK(value_of("n IS NOT UNDEFINED", payload) == "true");
  CHECK(value_of("gone IS NOT UNDEFINED", payload) == "false");
}

TEST_CASE("= and <> compare by type; Int and Decimal compare by value", "[rules][eval][operators]") {
  CHECK(value_of("10 = 10.0") == "true");
  CHECK(value_of("'5' = 5") == "false");  // mismatched types are unequal
  CHECK(value_of("'5' <> 5") == "true");
  CHECK(value_of("null = null") == "true");
  CHECK(value_of("null <> null") == "false");
  CHECK(value_of("state = 'open'", kReading) == "true");
  CHECK(value_of("state != 'closed'", kReading) == "true");
  CHECK(value_of("levels = [1, 2, 3]", kReading) == "true");
  CHECK(value_of("levels = [3, 2, 1]", kReading) == "false");
  CHECK(value_of("meta = {'n': null, 'unit': 'lx'}", kReading) == "true");  // key order does not matter
  CHECK(value_of("missing = null", kReading) == "undefined");
}

TEST_CASE("< <= > >= convert numeric strings and refuse the rest", "[rules][eval][operators]") {
  CHECK(value_of("'40001' > lux", kReading) == "true");
  CHECK(value_of("'4e4' < lux", kReading) == "true");
  CHECK(value_of("'abc' < 1") == "undefined");
  CHECK(value_of("true > false") == "undefined");
  CHECK(value_of("null < 1") == "undefined");
  CHECK(value_of("21 >= temperature", kReading) == "true");
  CHECK(value_of("21 <= 20.999") == "false");
}

TEST_CASE("arithmetic keeps Ints exact and falls back to Decimal", "[rules][eval][operators]") {
  CHECK(value_of("7 / 2") == "3");  // Int / Int truncates
  CHECK(value_of("-7 / 2") == "-3");
  CHECK(value_of("7.0 / 2") == "3");  // 7.0 is an Int in the 2016-03-23 dialect
  CHECK(value_of("7.5 / 2") == "3.75");
  CHECK(value_of("7 % 3") == "1");
  CHECK(value_of("-7 % 3") == "-1");
  CHECK(value_of("7.5 % 2") == "1.5");
  CHECK(value_of("1 / 0") == "undefined");
  CHECK(value_of("1.5 / 0") == "undefined");
  CHECK(value_of("1 % 0") == "undefined");
  CHECK(value_of("9223372036854775807 + 1") == "9.223372036854776e+18");
  CHECK(value_of("-(-9223372036854775807 - 1)") == "9.223372036854776e+18");
  CHECK(value_of("'10' - 3") == "7");
  CHECK(value_of("'10' * '2.5'") == "25");
  CHECK(value_of("'ten' * 2") == "undefined");
  CHECK(value_of("true + 1") == "undefined");
  CHECK(value_of("-state", kReading) == "undefined");
  CHECK(value_of("-'2.5'") == "-2.5");
}

TEST_CASE("+ with a string concatenates", "[rules][eval][operators]") {
  CHECK(value_of("'lux=' + lux", kReading) == R"("lux=40000.5")");
  CHECK(value_of("1 + 'x'") == R"("1x")");
  CHECK(value_of("'a' + true") == R"("atrue")");
  CHECK(value_of("'a' + levels", kReading) == R"("a[1,2,3]")");
  CHECK(value_of("'a' + null") == "undefined");
  CHECK(value_of("'a' + missing") == "undefined");
}

TEST_CASE("AND, OR and NOT take Booleans or 'true'/'false' strings", "[rules][eval][operators]") {
  CHECK(value_of("true AND 'TRUE'") == "true");
  CHECK(value_of("false OR 'false'") == "false");
  CHECK(value_of("NOT 'false'") == "true");
  CHECK(value_of("NOT 1") == "undefined");
  CHECK(value_of("1 AND true") == "undefined");
  CHECK(value_of("lux > 1 AND NOT ok", kReading) == "false");
  CHECK(value_of("temperature > 30 OR lux > 35000 AND ok", kReading) == "true");  // AND binds tighter
}

TEST_CASE("paths index arrays and objects; out of range is undefined", "[rules][eval]") {
  CHECK(value_of("levels[0]", kReading) == "1");
  CHECK(value_of("levels[2.9]", kReading) == "3");
  CHECK(value_of("levels[-1]", kReading) == "undefined");
  CHECK(value_of("levels[3]", kReading) == "undefined");
  CHECK(value_of("levels['0']", kReading) == "1");
  CHECK(value_of("meta['unit']", kReading) == R"("lx")");
  CHECK(value_of("state[0]", kReading) == "undefined");
  CHECK(value_of("{'a': {'b': [5, 6]}}.a.b[1]") == "6");  // paths on computed values
  CHECK(value_of("[lux, missing, 1]", kReading) == "[40000.5,1]");
  CHECK(value_of("{'x': missing, 'y': 2}", kReading) == R"({"y":2})");
}

TEST_CASE("big and odd numbers in payloads do not break the evaluator", "[rules][eval]") {
  CHECK(value_of("n", R"({"n": 18446744073709551615})") == "1.8446744073709552e+19");
  CHECK(value_of("n + 1", R"({"n": 1e308})") == "1e+308");
  CHECK(value_of("n * 10", R"({"n": 1e308})") == "undefined");  // overflow to infinity
  CHECK(value_of("n", R"({"n": 10.0})") == "10");
  CHECK(value_of("s", "{\"s\": \"caf\xC3\xA9\"}") == "\"caf\xC3\xA9\"");
}
