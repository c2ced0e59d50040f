// The AWS IoT SQL subset: statements from the AWS IoT SQL reference's own
// examples (SELECT, FROM, WHERE, JSON extensions, literals, functions), with
// the output the reference gives, and the parse errors a user gets for what
// the edge refuses.
#include <catch2/catch.hpp>

#include <string>

#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"

using namespace edgebridge::rules;

namespace {

struct Outcome {
  Condition where = Condition::is_false;
  std::string output;  // the SELECT output payload, when WHERE is true
};

Outcome run(const std::string& sql, const std::string& topic, const std::string& payload) {
  auto parsed = parse_statement(sql);
  INFO(sql << (parsed.error ? "\nerror: " + parsed.error->message : std::string()));
  REQUIRE(parsed.statement);
  REQUIRE_FALSE(parsed.error);
  EvalInput input(topic, payload);
  input.timestamp_ms = 1481825251155;
  Outcome out;
  out.where = evaluate_where(*parsed.statement, input);
  if (out.where == Condition::is_true) out.output = evaluate_select(*parsed.statement, input).payload;
  return out;
}

// The error as a user reads it: "column 12: expected FROM ...".
std::string error_of(const std::string& sql) {
  auto parsed = parse_statement(sql);
  if (!parsed.error) return "(no error)";
  return position_in(sql, parsed.error->offset) + ": " + parsed.error->message;
}

// One expression's value, as JSON ("undefined" when Undefined).
std::string value_of(const std::string& expr, const std::string& payload = "{}",
                     const std::string& topic = "things/myThings/thingOne") {
  auto parsed = parse_expression(expr, 0);
  INFO(expr << (parsed.error ? "\nerror: " + parsed.error->message : std::string()));
  REQUIRE(parsed.expr);
  REQUIRE(parsed.end == expr.size());
  EvalInput input(topic, payload);
  input.timestamp_ms = 1481825251155;
  return describe(evaluate(*parsed.expr, input));
}

}  // namespace

TEST_CASE("the SQL reference's SELECT examples give the outputs it documents", "[rules][sql]") {
  const std::string payload = R"({"color":"red", "temperature":50})";
  struct Case {
    const char* sql;
    const char* output;
  };
  const Case cases[] = {
      {"SELECT * FROM 'a/b'", R"({"color":"red", "temperature":50})"},  // the payload, byte for byte
      {"SELECT color FROM 'a/b'", R"({"color":"red"})"},
      {"SELECT color AS my_color FROM 'a/b'", R"({"my_color":"red"})"},
      {"SELECT color as my_color, temperature as fahrenheit FROM 'a/b'", R"({"fahrenheit":50,"my_color":"red"})"},
      {"SELECT *, 15 as speed FROM 'a/b'", R"({"color":"red","speed":15,"temperature":50})"},
      {"SELECT VALUE color FROM 'a/b'", R"("red")"},
      {"SELECT (temperature - 32) * 5 / 9 AS celsius, upper(color) as my_color FROM 'a/b'",
       R"({"celsius":10,"my_color":"RED"})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.sql) {
      auto out = run(c.sql, "a/b", payload);
      CHECK(out.where == Condition::is_true);
      CHECK(out.output == c.output);
    }
  }
}

TEST_CASE("the reference's introductory rule selects red when it is hot enough", "[rules][sql]") {
  const char* sql = "SELECT color AS rgb FROM 'topic/subtopic' WHERE temperature > 50";
  CHECK(run(sql, "topic/subtopic", R"({ "color":"red", "temperature":100 })").output == R"({"rgb":"red"})");
  CHECK(run(sql, "topic/subtopic", R"({ "color":"red", "temperature":40 })").where == Condition::is_false);
}

TEST_CASE("the WHERE reference's example does not fire for a red message at 40 degrees", "[rules][sql]") {
  auto out = run("SELECT color AS my_color FROM 'topic/subtopic' WHERE temperature > 50 AND color <> 'red'",
                 "topic/subtopic", R"({"color":"red", "temperature":40})");
  CHECK(out.where == Condition::is_false);
}

TEST_CASE("dots and indexes drill into nested payloads", "[rules][sql]") {
  CHECK(run("SELECT color.red as red_value FROM 'a/b'", "a/b",
            R"({"color":{"red":255,"green":0,"blue":0}, "temperature":50})")
            .output == R"({"red_value":255})");
  // "SELECT foo.bar AS bar.baz" from the JSON extensions page: the alias nests.
  CHECK(run("SELECT foo.bar AS bar.baz FROM 'a/b'", "a/b", R"({"foo":{"bar":7}})").output ==
        R"({"bar":{"baz":7}})");
  CHECK(run("SELECT a.b[1].c AS c, a.b[0] AS first FROM 'x'", "x", R"({"a":{"b":[10,{"c":"deep"}]}})").output ==
        R"({"c":"deep","first":10})");
  CHECK(run("SELECT `odd-key` AS k FROM 'x'", "x", R"({"odd-key":1})").output == R"({"k":1})");
}

TEST_CASE("object and array literals build new JSON, as on the literals page", "[rules][sql]") {
  // The page uses get(lat_long, 0); the edge writes the same with an index.
  CHECK(run("SELECT {'latitude': lat_long[0],'longitude':lat_long[1]} as lat_long FROM 'topic/subtopic'",
            "topic/subtopic", R"({"lat_long": [47.606,-122.332]})")
            .output == R"({"lat_long":{"latitude":47.606,"longitude":-122.332}})");
  CHECK(run("SELECT [lat,long] as lat_long FROM 'topic/subtopic'", "topic/subtopic",
            R"({"lat": 47.696, "long": -122.332})")
            .output == R"({"lat_long":[47.696,-122.332]})");
}

TEST_CASE("the FROM filter's wildcards work as in the FROM reference", "[rules][sql]") {
  auto from_hash = parse_statement("SELECT temperature AS t FROM 'a/#'").statement;
  auto from_plus = parse_statement("SELECT temperature AS t FROM 'a/+'").statement;
  REQUIRE(from_hash);
  REQUIRE(from_plus);
  CHECK(from_hash->from == "a/#");
  CHECK(from_plus->from == "a/+");
  CHECK(run("SELECT temperature AS t FROM 'a/#'", "a/e/f", R"({"temperature": 70})").output == R"({"t":70})");
}

TEST_CASE("a non-JSON payload passes through SELECT * and its keys are undefined", "[rules][sql]") {
  auto out = run("SELECT * FROM 'a/b'", "a/b", "80 degrees");
  CHECK(out.output == "80 degrees");
  CHECK(run("SELECT * FROM 'a/b' WHERE device_type = 'thermostat'", "a/b", "\x01\x02binary").where ==
        Condition::undefined);
  CHECK(run("SELECT * FROM 'a/b' WHERE timestamp() % 12 = 0", "a/b", "binary").where == Condition::is_false);
}

TEST_CASE("the function reference's examples evaluate as documented", "[rules][sql][functions]") {
  CHECK(value_of("abs(-5)") == "5");
  CHECK(value_of("abs('-5.123')") == "5.123");
  CHECK(value_of("ceil(1.2)") == "2");
  CHECK(value_of("ceil(-1.2)") == "-1");
  CHECK(value_of("floor(1.2)") == "1");
  CHECK(value_of("floor(-1.2)") == "-2");
  CHECK(value_of("Round(1.2)") == "1");
  CHECK(value_of("Round(1.5)") == "2");
  CHECK(value_of("Round(1.7)") == "2");
  CHECK(value_of("Round(-1.1)") == "-1");
  CHECK(value_of("Round(-1.5)") == "-2");
  CHECK(value_of("concat()") == "undefined");
  CHECK(value_of("concat(1)") == "1");
  CHECK(value_of("concat([1, 2, 3], 4)") == "[1,2,3,4]");
  CHECK(value_of("concat([1, 2, 3], \"hello\")") == R"([1,2,3,"hello"])");
  CHECK(value_of("concat(\"con\", \"cat\")") == R"("concat")");
  CHECK(value_of("concat(1, \"hello\")") == R"("1hello")");
  CHECK(value_of("concat(\"he\",\"is\",\"man\")") == R"("heisman")");
  CHECK(value_of("concat([1, 2, 3], \"hello\", [4, 5, 6])") == R"([1,2,3,"hello",4,5,6])");
  CHECK(value_of("lower(\"HELLO\")") == R"("hello")");
  CHECK(value_of("lower([\"HELLO\"])") == R"("[\"hello\"]")");
  CHECK(value_of("upper(\"hello\")") == R"("HELLO")");
  CHECK(value_of("upper([\"hello\"])") == R"("[\"HELLO\"]")");
  CHECK(value_of("cast(true as Int)") == "1");
  CHECK(value_of("isNull(5)") == "false");
  CHECK(value_of("isNull(Null)") == "true");
  CHECK(value_of("isUndefined(5)") == "false");
  CHECK(value_of("isUndefined(floor([1,2,3]))") == "true");
  CHECK(value_of("topic()") == R"("things/myThings/thingOne")");
  CHECK(value_of("topic(1)") == R"("things")");
  CHECK(value_of("topic(3)") == R"("thingOne")");
  CHECK(value_of("topic(4)") == "undefined");
  CHECK(value_of("timestamp()") == "1481825251155");
}

TEST_CASE("cast converts between Int, Decimal, String and Bool as the cast tables say", "[rules][sql][functions]") {
  CHECK(value_of("cast(2.7 AS Int)") == "2");  // rounded down
  CHECK(value_of("cast(-2.7 AS Int)") == "-3");
  CHECK(value_of("cast('12.5' AS Int)") == "12");
  CHECK(value_of("cast('12.5' AS Decimal)") == "12.5");
  CHECK(value_of("cast(false AS Decimal)") == "0");
  CHECK(value_of("cast(0 AS Bool)") == "false");
  CHECK(value_of("cast(0.5 AS Boolean)") == "true");
  CHECK(value_of("cast('TRUE' AS Bool)") == "true");
  CHECK(value_of("cast('yes' AS Bool)") == "undefined");
  CHECK(value_of("cast(12 AS String)") == R"("12")");
  CHECK(value_of("cast(a AS String)", R"({"a":{"k":[1,"x"]}})") == R"("{\"k\":[1,\"x\"]}")");
  CHECK(value_of("cast(null AS String)") == "undefined");
  CHECK(value_of("cast(missing AS Int)") == "undefined");
  CHECK(value_of("cast('abc' AS Int)") == "undefined");
}

TEST_CASE("coalesce picks the first present value (an edge extension)", "[rules][sql][functions]") {
  CHECK(value_of("coalesce(missing, lux, 0)", R"({"lux":12})") == "12");
  CHECK(value_of("coalesce(missing, nothing, 0)", "{}") == "0");
  CHECK(value_of("coalesce(gone, n)", R"({"n":null})") == "null");
  CHECK(value_of("coalesce(gone)", "{}") == "undefined");
}

TEST_CASE("newuuid() gives a fresh version 4 UUID each time", "[rules][sql][functions]") {
  const std::string a = value_of("newuuid()");
  const std::string b = value_of("newuuid()");
  CHECK(a != b);
  REQUIRE(a.size() == 38);  // with quotes
  CHECK(a[15] == '4');
  CHECK(std::string("89ab").find(a[20]) != std::string::npos);
}

TEST_CASE("clientid() is the source's name where the edge knows it", "[rules][sql][functions]") {
  auto parsed = parse_expression("clientid()", 0);
  EvalInput from_device("sensors/lux1", "{}");
  from_device.client_id = "lux1";
  CHECK(describe(evaluate(*parsed.expr, from_device)) == R"("lux1")");
  EvalInput from_local_broker("sensors/lux1", "{}");
  CHECK(evaluate(*parsed.expr, from_local_broker).undefined());
}

TEST_CASE("statements the edge refuses say where and why", "[rules][sql][errors]") {
  struct Case {
    const char* sql;
    const char* error;
  };
  const Case cases[] = {
      {"SELECT lux FORM 'sensors/#'", "column 12: expected FROM after the select list, found \"FORM\"; did you mean FROM?"},
      {"SELECT lux temperature FROM 'a'",
       "column 12: expected FROM after the select list, found \"temperature\" (separate select items with commas)"},
      {"SELECT FROM 'a'", "column 8: expected a select list (* or expressions) after SELECT, found \"FROM\""},
      {"SELECT lux", "column 11: expected FROM after the select list, found the end of the SQL"},
      {"lux > 5", "column 1: a rule's SQL starts with SELECT (or SET), found \"lux\""},
      // The FROM page's own JSON-extension example omits the quotes:
      {"SELECT temp FROM topic/#",
       "column 18: the topic filter after FROM must be in quotes, e.g. FROM 'sensors/#'; found \"topic\""},
      {"SELECT * FROM 'a/#/b'", "column 15: FROM 'a/#/b': \"#\" must be the last level of a filter"},
      {"SELECT * FROM 'a' WHERE", "column 24: expected a condition after WHERE, found the end of the SQL"},
      {"SELECT * FROM 'a' WHEN x > 1", "column 19: unexpected \"WHEN\" after the FROM topic filter; did you mean WHERE?"},
      {"SELECT * FROM 'a' WHERE x > > 1", "column 29: expected a value after '>', found \">\""},
      {"SELECT * FROM 'a' WHERE a < b < c",
       "column 31: comparisons do not chain; join them with AND, e.g. a < b AND b < c"},
      {"SELECT * FROM 'a' WHERE x IS NOTHING", "column 30: expected NULL or UNDEFINED after IS, found \"NOTHING\""},
      {"SELECT rnd(x) FROM 'a'",
       "column 8: unknown function rnd(); did you mean rand()? (docs/rules-sql.md lists the functions)"},
      {"SELECT substrng(x, 1) FROM 'a'",
       "column 8: unknown function substrng(); did you mean substring()? (docs/rules-sql.md lists the functions)"},
      {"SELECT round(1, 2) FROM 'a'", "column 8: round() takes 1 argument, given 2"},
      {"SELECT temp, aws_lambda('arn:aws:lambda:us-east-1:1:function:f', *) AS out FROM 'topic/#'",
       "column 14: aws_lambda() is not available at the edge: it calls an AWS service, which a rule at the edge "
       "cannot reach"},
      {"SELECT principal() AS p FROM 'a'",
       "column 8: principal() is not available at the edge: the local broker does not tell the gateway which "
       "certificate or identity published a message"},
      {"SELECT get_dynamodb('t', 'k') AS d FROM 'a'",
       "column 8: get_dynamodb() is not available at the edge: it calls an AWS service, which a rule at the edge "
       "cannot reach"},
      {"SELECT substring(x) FROM 'a'", "column 8: substring() takes 2 or 3 arguments, given 1"},
      {"SELECT encode(x, 'hex') FROM 'a'",
       "column 8: encode(): the encoding scheme must be 'base64' (the only one AWS IoT supports), found \"hex\""},
      {"SELECT transform('enrich', a, b) FROM 'a'",
       "column 8: transform(): the transformation mode must be 'enrichArray' (the only one AWS IoT has), found "
       "\"enrich\""},
      {"SELECT parse_time('yyyy CC', timestamp()) FROM 'a'",
       "column 8: parse_time(): the Joda-Time pattern 'yyyy CC': the pattern letter 'C' is not supported"},
      {"SELECT parse_time('yyyy', timestamp(), 'Mars/Olympus') FROM 'a'",
       "column 8: parse_time(): unknown time zone 'Mars/Olympus'; use a tz database name such as Europe/Berlin, UTC, "
       "or an offset such as +01:00"},
      {"SELECT cast(x AS Float) FROM 'a'", "column 18: unknown type Float in cast(); use Int, Decimal, String or Bool"},
      {"SELECT CASE x WHEN 1 THEN 2 FROM 'a'",
       "column 29: expected WHEN, ELSE or END in the CASE that starts at column 8, found \"FROM\""},
      {"SELECT CASE x ELSE 2 END FROM 'a'", "column 15: expected WHEN in the CASE, found \"ELSE\""},
      {"SELECT CASE WHEN x THEN END FROM 'a'", "column 25: expected a value, found the keyword END"},
      {"SELECT * FROM 'sensors/#", "column 15: unterminated string; close it with '"},
      {"SELECT * FROM 'a'; DELETE", "column 18: unexpected ';'; a rule holds one SQL statement"},
      {"SELECT * FROM 'x' WHERE kind IN ('a', 'b')",
       "column 33: IN takes an array, e.g. x IN ['a', 'b'] or x IN readings, not a parenthesized list"},
      {"SELECT * FROM 'x' WHERE kind NOT IN ['a']", "column 30: NOT IN is not AWS IoT SQL; write NOT (x IN list)"},
      {"SELECT * FROM 'x' WHERE kind LIKE 'a%'",
       "column 30: LIKE is not AWS IoT SQL; write the comparisons out, e.g. regexp_matches(x, '^a'), or x >= 1 AND "
       "x <= 9"},
      {"SET @x = 1, @x = 2 SELECT * FROM 'x'", "column 14: @x is already set; each variable is assigned once"},
      {"SET @x = 1 SET @y = 2 SELECT * FROM 'x'",
       "column 12: SET may appear once; assign every variable in it, separated by commas"},
      {"SET x = 1 SELECT * FROM 'x'", "column 5: expected a variable such as @name after SET, found \"x\""},
      {"SELECT @y FROM 'x'", "column 8: @y is not set; define it first, e.g. SET @y = ... SELECT ..."},
      {"SET @avg = 1 SELECT @agv FROM 'x'", "column 21: @agv is not set; did you mean @avg?"},
      {"SELECT (SELECT v FROM e AS) FROM 'x'", "column 27: expected a name after AS, found \")\""},
      {"SELECT (SELECT v FROM e FROM 'x'",
       "column 25: expected ')' to close the nested SELECT at column 8, found \"FROM\""},
      {"SELECT SELECT v FROM 'x'", "column 8: a nested SELECT goes in parentheses, e.g. (SELECT VALUE n FROM e)"},
      {"SELECT VALUE a, b FROM 'x'", "column 17: SELECT VALUE takes exactly one expression"},
      {"SELECT a, FROM 'x'", "column 11: expected a value, found the keyword FROM"},
      {"SELECT (a + 1 FROM 'x'", "column 15: expected ')' to close the '(' at column 8, found \"FROM\""},
      {"SELECT a.5 FROM 'x'", "column 10: expected a key name after '.', found \"5\""},
      {"SELECT * FROM 'x' WHERE a || b", "column 27: unexpected '||'; concatenate with + or concat(a, b)"},
      // The SELECT page's celsius example is printed with an en dash where the minus goes:
      {"SELECT (temperature \xE2\x80\x93 32) * 5 / 9 AS celsius FROM 'a/b'",
       "column 21: unexpected character '\xE2\x80\x93' (U+2013)"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.sql) { CHECK(error_of(c.sql) == c.error); }
  }
}

TEST_CASE("an error in a SQL over several lines names the line inside it", "[rules][sql][errors]") {
  CHECK(error_of("SELECT lux\nFROM 'sensors/#'\nWHERE lux >") ==
        "line 3, column 12: expected a value after '>', found the end of the SQL");
}

TEST_CASE("keywords and function names ignore case; JSON keys do not", "[rules][sql]") {
  CHECK(run("select Lux from 'x' where LUX > 1", "x", R"({"Lux":5,"LUX":2})").output == R"({"Lux":5})");
  CHECK(run("SeLeCt UPPER(name) AS n FrOm 'x'", "x", R"({"name":"a"})").output == R"({"n":"A"})");
}

TEST_CASE("a key named value or cast stays a key", "[rules][sql]") {
  CHECK(run("SELECT value FROM 'x'", "x", R"({"value":21.5})").output == R"({"value":21.5})");
  CHECK(run("SELECT value * 2 AS doubled FROM 'x'", "x", R"({"value":4})").output == R"({"doubled":8})");
  CHECK(run("SELECT cast FROM 'x'", "x", R"({"cast":1})").output == R"({"cast":1})");
}

TEST_CASE("deeply nested SQL is refused instead of exhausting the stack", "[rules][sql][errors]") {
  std::string deep = "SELECT * FROM 'x' WHERE ";
  for (int i = 0; i < 150; ++i) deep += "(";
  deep += "1";
  for (int i = 0; i < 150; ++i) deep += ")";
  CHECK(error_of(deep).find("nests too deeply") == std::string::npos);  // parentheses alone add no depth
  std::string chain = "SELECT * FROM 'x' WHERE 1";
  for (int i = 0; i < 150; ++i) chain += " + 1";
  CHECK(error_of(chain).find("the expression nests too deeply") != std::string::npos);
}
