// The function table (rules/sql_functions.cpp) row by row beyond the guide's
// own examples: argument conversions, Undefined for what a function cannot
// use, and the functions the guide shows no example of. The last test checks
// that every function of the table is exercised here or in the conformance
// table, so a new function cannot come without its test row.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "rules/sql_eval.hpp"
#include "rules/sql_functions.hpp"
#include "rules/sql_parser.hpp"

using namespace edgebridge::rules;

namespace {

struct Row {
  const char* expr;
  const char* expected;  // JSON of the value, or "undefined"
  const char* payload = "{}";
};

// Edge rows: expression, expected value, payload.
const Row kRows[] = {
    // numbers: conversions of numeric strings, Undefined for the rest
    {"abs('-2')", "2"},
    {"abs(true)", "undefined"},
    {"acos(2)", "undefined"},  // imaginary: Undefined
    {"asin('1')", "1.5707963267948966"},
    {"atan('x')", "undefined"},
    {"atan2(0, -1)", "3.141592653589793"},
    {"cos('0')", "1"},
    {"cosh(0)", "1"},
    {"exp(0)", "1"},
    {"ln(0)", "undefined"},  // -infinity
    {"ln(-1)", "undefined"},
    {"log('1000')", "3"},
    {"power(2, 0.5)", "1.4142135623730951"},
    {"power('2', '3')", "8"},
    {"power(2, 'x')", "undefined"},
    {"sqrt(-1)", "undefined"},
    {"sqrt(2.25)", "1.5"},
    {"sin('x')", "undefined"},
    {"sinh(0)", "0"},
    {"tan(0)", "0"},
    {"tanh(0)", "0"},
    {"sign(-0.5)", "-1"},
    {"sign('3')", "1"},
    {"sign(null)", "undefined"},
    {"mod(-7, 3)", "-1"},  // the sign of the dividend, as Java's %
    {"mod(7.5, 2)", "1.5"},
    {"mod(1, 0)", "undefined"},
    {"remainder('8', 3)", "2"},
    {"trunc(-2.789, 1)", "-2.7"},
    {"trunc(0.29, 2)", "0.29"},  // no binary-fraction surprises
    {"trunc(5, 2)", "5"},
    {"trunc(2.5, -1)", "2"},  // places below 0 count as 0
    {"trunc('x', 1)", "undefined"},
    {"nanvl(missing, 3)", "3"},
    {"nanvl(null, 3)", "3"},
    {"nanvl('a', 3)", "\"a\""},
    {"bitand(13.9, '5')", "5"},  // rounded down
    {"bitor(-1, 0)", "-1"},
    {"bitxor('x', 1)", "undefined"},
    {"bitnot(-1)", "0"},
    {"round('2.5')", "3"},
    {"floor('x')", "undefined"},
    {"ceil(null)", "undefined"},
    // strings: standard conversions; Null and Undefined give Undefined
    {"chr(128)", "undefined"},
    {"chr('66.9')", "\"B\""},
    {"chr(-1)", "undefined"},
    {"length('caf\xC3\xA9')", "4"},  // characters, not bytes
    {"numbytes('caf\xC3\xA9')", "5"},
    {"length(null)", "undefined"},
    {"length([1, 2])", "5"},  // "[1,2]"
    {"lower('\xC3\x89T\xC3\x89')", "\"\xC3\xA9t\xC3\xA9\""},  // Unicode, not only ASCII
    {"upper('stra\xC3\x9F" "e')", "\"STRASSE\""},
    {"lpad('a', 2000)", "undefined", "{}"},  // replaced below: checked for its length
    {"lpad('a', -3)", "\"a\""},
    {"rpad('a', 'x')", "undefined"},
    {"lpad(null, 2)", "undefined"},
    {"trim('\t x \n')", "\"x\""},
    {"ltrim(12)", "\"12\""},
    {"rtrim(missing)", "undefined"},
    {"substring('h\xC3\xA9llo', 1, 2)", "\"\xC3\xA9\""},
    {"substring('abc', 'x')", "undefined"},
    {"substring(null, 1)", "undefined"},
    {"indexof('abcd', 'x')", "-1"},
    {"indexof('\xC3\xA9t\xC3\xA9', 't')", "1"},
    {"indexof(12345, 34)", "2"},
    {"startswith(12345, 12)", "true"},
    {"startswith('a', null)", "undefined"},
    {"endswith('a', missing)", "undefined"},
    {"endswith('abc', 'abcd')", "false"},
    {"replace('aaa', 'a', 'bb')", "\"bbbbbb\""},
    {"replace('ab', '', '-')", "\"-a-b-\""},
    {"replace(null, 'a', 'b')", "undefined"},
    {"concat('a', null)", "undefined"},
    // regular expressions (ICU, java.util.regex's syntax)
    {"regexp_matches('Temp=21C', 'temp=\\\\d+')", "false"},
    {"regexp_matches('Temp=21C', '(?i)temp=\\\\d+')", "true"},
    {"regexp_matches(12345, '^1')", "true"},
    {"regexp_matches(null, 'a')", "undefined"},
    {"regexp_matches('\xD9\xA3', '^\\\\d$')", "true"},  // ICU's \d is Unicode (Java's is ASCII): docs/rules-sql.md
    {"regexp_matches('\xD9\xA3', '^[0-9]$')", "false"},
    {"regexp_matches('a', p)", "undefined", R"({"p": "("})"},  // a computed pattern that is not valid
    {"regexp_matches('abc', p)", "true", R"({"p": "b"})"},
    {"regexp_substr('no digits', '[0-9]+')", "undefined"},
    {"regexp_substr('v=42;', '(?<n>[0-9]+)')", "\"42\""},
    {"regexp_replace('2024-01-31', '(\\\\d+)-(\\\\d+)-(\\\\d+)', '$3.$2.$1')", "\"31.01.2024\""},
    {"regexp_replace('abc', '(?<x>b)', '[${x}]')", "\"a[b]c\""},
    {"regexp_replace('abc', 'b', '$9')", "undefined"},  // no group 9
    // encodings and hashes
    {"encode('hello', 'base64')", "\"aGVsbG8=\""},
    {"encode(12, 'base64')", "\"MTI=\""},
    {"encode(null, 'base64')", "undefined"},
    {"decode('aGVsbG8=', 'base64')", "\"hello\""},
    {"decode('eyJhIjpbMSwyXX0=', 'base64').a[1]", "2"},
    {"decode('not base64!', 'base64')", "null"},  // "returns NULL if the string cannot be decoded"
    {"decode(s, scheme)", "undefined", R"({"s": "aGk=", "scheme": "hex"})"},
    {"sha1('hello')", "\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\""},
    {"sha224('hello')", "\"ea09ae9cc6768c50fcee903ed054556e5bfc8347907f12598aa24193\""},
    {"sha256('hello')", "\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\""},
    {"sha384('hello')",
     "\"59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f\""},
    {"sha512('hello')",
     "\"9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043\""},
    {"md2('')", "\"8350e5a3e24c153df2275c9f80692773\""},  // RFC 1319's test vector
    {"md5(missing)", "undefined"},
    // collections and values
    {"get([1, 2], '1')", "2"},
    {"get([1, 2], 0.6)", "2"},  // a Decimal index is rounded to the nearest Int
    {"get([1, 2], 2)", "undefined"},
    {"get([1, 2], -1)", "undefined"},
    {"get({'a': 1}, 1)", "undefined"},  // an Object's key is not converted
    {"get(12, 0)", "undefined"},
    {"get('h\xC3\xA9', 1)", "\"\xC3\xA9\""},
    {"get_or_default(missing, 'none')", "\"none\""},
    {"get_or_default(n, 0)", "0", R"({"n": null})"},
    {"get_or_default(v, 0)", "5", R"({"v": 5})"},
    {"coalesce(missing, n, 3)", "3", R"({"n": null})"},
    {"isNull(missing)", "false"},
    {"isUndefined(missing)", "true"},
    {"transform('enrichArray', {'k': 1}, [{'a': 1}, 2])", "undefined"},  // an element that is not an object
    {"transform('enrichArray', {'a': 9}, [{'a': 1}])", R"([{"a":9}])"},  // the object's value wins
    {"transform(mode, {}, [])", "undefined", R"({"mode": "other"})"},
    // time
    {"parse_time('yyyy-MM-dd''T''HH:mm:ss.SSSZZ', 1700000000123)", "\"2023-11-14T22:13:20.123+00:00\""},
    {"parse_time('EEEE d MMMM yyyy, h:mm a', 1700000000000, 'Europe/Berlin')",
     "\"Tuesday 14 November 2023, 11:13 PM\""},
    {"parse_time('HH:mm Z', 1700000000000, '+05:30')", "\"03:43 +0530\""},
    {"parse_time('x-ww e', 1704067200000)", "\"2024-01 1\""},  // ISO week-year, week, day (Monday 1)
    {"parse_time('yyyy ZZZ', 1700000000000, 'America/New_York')", "\"2023 America/New_York\""},
    {"parse_time(p, 0)", "undefined", R"({"p": "yyyy QQ"})"},  // Q is not a Joda letter
    {"parse_time('zzzz / eee', 100000000, 'America/Belize')", "\"Central Standard Time / Thu\""},
    {"parse_time('yyyy', 'soon')", "undefined"},
    {"time_to_epoch('2023-11-14 22:13:20', 'yyyy-MM-dd HH:mm:ss')", "1700000000000"},
    {"time_to_epoch('2023-11-14T23:13:20+01:00', 'yyyy-MM-dd''T''HH:mm:ssXXX')", "1700000000000"},
    {"time_to_epoch('yesterday', 'yyyy-MM-dd')", "undefined"},
    {"time_to_epoch('2023-11-14 junk', 'yyyy-MM-dd')", "undefined"},  // the whole text must match
    // the message and the rule
    {"sql_version()", "\"2016-03-23\""},
    {"topic(0)", "undefined"},
    {"topic('2')", "\"greenhouse\""},
};

// Functions that need AWS or context the gateway does not have: refused at load.
struct Unavailable {
  const char* expr;
  const char* error;
};
const Unavailable kUnavailable[] = {
    {"machinelearning_predict('m', 'arn', *)", "machinelearning_predict() is not available at the edge: it calls an AWS service"},
    {"get_registry_data('DescribeThing', 't', 'arn')", "get_registry_data() is not available at the edge: it calls an AWS service"},
    {"get_mqtt_property('content_type')", "get_mqtt_property() is not available at the edge: MQTT 5 properties"},
    {"get_user_properties('k')", "get_user_properties() is not available at the edge: MQTT 5 user properties"},
    {"sourceip()", "sourceip() is not available at the edge: the local broker does not tell"},
    {"accountid()", "accountid() is not available at the edge: the AWS account"},
    {"decode(*, 'proto', 'bucket', 'key.desc', 'file', 'Message')",
     "decode(): decoding Protobuf needs a descriptor file in Amazon S3"},
};

std::string value_of(const std::string& expr, const std::string& payload) {
  auto parsed = parse_expression(expr, 0);
  INFO(expr << (parsed.error ? "\nerror: " + parsed.error->message : std::string()));
  REQUIRE(parsed.expr);
  REQUIRE(parsed.end == expr.size());
  EvalInput input("sensors/greenhouse/lux1", payload);
  input.timestamp_ms = 1700000000000;
  return describe(evaluate(*parsed.expr, input));
}

std::set<std::string> called_functions(const std::string& text) {
  std::set<std::string> names;
  for (const FunctionDef* f : all_functions()) {
    std::string lower = f->name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string haystack = text;
    for (auto& c : haystack) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t at = haystack.find(lower + "("); at != std::string::npos; at = haystack.find(lower + "(", at + 1))
      if (at == 0 || !(std::isalnum(static_cast<unsigned char>(haystack[at - 1])) || haystack[at - 1] == '_'))
        names.insert(f->name);
  }
  return names;
}

}  // namespace

TEST_CASE("the functions convert their arguments and give Undefined for what they cannot use",
          "[rules][functions]") {
  for (const auto& row : kRows) {
    if (std::string(row.expr) == "lpad('a', 2000)") continue;
    DYNAMIC_SECTION(row.expr) { CHECK(value_of(row.expr, row.payload) == row.expected); }
  }
  CHECK(value_of("length(lpad('a', 2000))", "{}") == "1001");  // the count is capped at 1000
}

TEST_CASE("functions that need AWS are refused at load, naming the function and why", "[rules][functions]") {
  for (const auto& row : kUnavailable) {
    DYNAMIC_SECTION(row.expr) {
      auto parsed = parse_expression(row.expr, 0);
      REQUIRE(parsed.error);
      CHECK(parsed.error->message.rfind(row.error, 0) == 0);
    }
  }
}

TEST_CASE("rand() gives a Decimal in [0, 1) and traceid() one UUID per message", "[rules][functions]") {
  for (int i = 0; i < 20; ++i) {
    const double r = std::stod(value_of("rand()", "{}"));
    CHECK(r >= 0.0);
    CHECK(r < 1.0);
  }
  auto parsed = parse_expression("traceid() = traceid()", 0);
  EvalInput input("a", "{}");
  CHECK(describe(evaluate(*parsed.expr, input)) == "true");
  EvalInput other("a", "{}");
  auto id = parse_expression("traceid()", 0);
  CHECK(describe(evaluate(*id.expr, input)) != describe(evaluate(*id.expr, other)));
}

TEST_CASE("a regular expression that backtracks without end gives Undefined, not a stall", "[rules][functions]") {
  const std::string payload = R"({"s": ")" + std::string(5000, 'a') + R"(!"})";
  CHECK(value_of("regexp_matches(s, '^(a+)+$')", payload) == "undefined");
}

TEST_CASE("every function of the table has a test row", "[rules][functions]") {
  std::string covered;
  for (const auto& row : kRows) covered += std::string(row.expr) + "\n";
  for (const auto& row : kUnavailable) covered += std::string(row.expr) + "\n";
  std::ifstream in(EDGEBRIDGE_SOURCE_DIR "/tests/rules_conformance/aws_iot_sql_examples.json");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const auto table = nlohmann::json::parse(text.str());
  for (const auto& row : table["examples"])
    covered += row.value("sql", std::string()) + row.value("expression", std::string()) + "\n";
  const auto used = called_functions(covered);
  for (const FunctionDef* f : all_functions()) {
    INFO("function " << f->name << " has no row in tests/unit/rules_functions_test.cpp or the conformance table");
    CHECK(used.count(f->name) == 1);
    if (!f->impl) CHECK(std::string(f->unavailable).size() > 20);
  }
}
