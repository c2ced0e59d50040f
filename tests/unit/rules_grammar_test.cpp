// The clauses and operators beyond the plain SELECT ... WHERE: CASE, IN,
// nested SELECT over arrays (the SenML examples), EXISTS, SET variables, and
// `*` as a function's argument, with AWS IoT's Undefined semantics.
#include <catch2/catch.hpp>

#include <string>

#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"
#include "rules/substitution.hpp"

using namespace edgebridge::rules;

namespace {

const char* const kSenml = R"({"bn": "greenhouse-1/", "e": [
  {"n": "temperature", "u": "Cel", "v": 22.5},
  {"n": "light", "u": "lx", "v": 41000},
  {"n": "battery", "u": "%EL", "v": 12}]})";

std::string select(const std::string& sql, const std::string& payload) {
  auto parsed = parse_statement(sql);
  INFO(sql << (parsed.error ? "\nerror: " + parsed.error->message : std::string()));
  REQUIRE(parsed.statement);
  EvalInput input("sensors/greenhouse/senml", payload);
  if (evaluate_where(*parsed.statement, input) != Condition::is_true) return "(WHERE not true)";
  return evaluate_select(*parsed.statement, input).payload;
}

}  // namespace

TEST_CASE("CASE maps a reading to a state", "[rules][grammar][case]") {
  const char* sql =
      "SELECT CASE state WHEN 0 THEN 'closed' WHEN 1 THEN 'open' ELSE 'moving' END AS shade FROM 'x'";
  CHECK(select(sql, R"({"state": 1})") == R"({"shade":"open"})");
  CHECK(select(sql, R"({"state": 1.0})") == R"({"shade":"open"})");  // Int and Decimal compare by value
  CHECK(select(sql, R"({"state": 7})") == R"({"shade":"moving"})");
  CHECK(select(sql, R"({"state": "1"})") == R"({"shade":"moving"})");  // a String is not the Int 1
  CHECK(select(sql, R"({"other": 1})") == "{}");                       // Undefined subject: Undefined
  CHECK(select("SELECT CASE s WHEN 'a' THEN 1 END AS n FROM 'x'", R"({"s": "b"})") == "{}");  // no ELSE
  // the first matching WHEN wins; THEN may be any expression
  CHECK(select("SELECT CASE s WHEN 'a' THEN v * 2 WHEN 'a' THEN 0 END AS n FROM 'x'", R"({"s": "a", "v": 4})") ==
        R"({"n":8})");
}

TEST_CASE("CASE without a subject takes the first true condition (an edge extension)", "[rules][grammar][case]") {
  const char* sql =
      "SELECT CASE WHEN lux > 35000 THEN 'bright' WHEN lux > 1000 THEN 'day' ELSE 'night' END AS light FROM 'x'";
  CHECK(select(sql, R"({"lux": 40000})") == R"({"light":"bright"})");
  CHECK(select(sql, R"({"lux": 5000})") == R"({"light":"day"})");
  CHECK(select(sql, R"({"lux": 3})") == R"({"light":"night"})");
  CHECK(select(sql, "{}") == R"({"light":"night"})");  // an Undefined condition is not true
}

TEST_CASE("CASE works in WHERE, nested, and with other operators", "[rules][grammar][case]") {
  CHECK(select("SELECT * FROM 'x' WHERE CASE kind WHEN 'door' THEN open WHEN 'window' THEN tilt > 10 END",
               R"({"kind": "window", "tilt": 12})") == R"({"kind": "window", "tilt": 12})");
  CHECK(select("SELECT CASE a WHEN 1 THEN CASE b WHEN 2 THEN 'x' END END AS r FROM 'x'", R"({"a": 1, "b": 2})") ==
        R"({"r":"x"})");
  CHECK(select("SELECT 'state: ' + CASE on WHEN true THEN 'on' ELSE 'off' END AS s FROM 'x'", R"({"on": false})") ==
        R"({"s":"state: off"})");
}

TEST_CASE("IN tests membership of an array, comparing as = does", "[rules][grammar][in]") {
  const char* reading = R"({"kind": "co2", "zone": 3, "allowed": ["co2", "voc"], "arr": [1, 2, 3, "three", 5.7, null]})";
  CHECK(select("SELECT kind FROM 'x' WHERE kind IN ['co2', 'voc']", reading) == R"({"kind":"co2"})");
  CHECK(select("SELECT kind FROM 'x' WHERE kind IN allowed", reading) == R"({"kind":"co2"})");
  CHECK(select("SELECT kind FROM 'x' WHERE zone IN [1, 2]", reading) == "(WHERE not true)");
  CHECK(select("SELECT 5.7 IN arr AS a, 3.0 IN arr AS b, null IN arr AS c, '3' IN arr AS d FROM 'x'", reading) ==
        R"({"a":true,"b":true,"c":true,"d":false})");
  CHECK(select("SELECT missing IN arr AS a, 1 IN missing AS b, 1 IN kind AS c FROM 'x'", reading) == "{}");
  CHECK(select("SELECT NOT (zone IN [1, 2]) AS outside FROM 'x'", reading) == R"({"outside":true})");
  CHECK(select("SELECT [1, 2] IN [[1, 2], [3]] AS nested FROM 'x'", reading) == R"({"nested":true})");
}

TEST_CASE("a nested SELECT reads SenML records", "[rules][grammar][nested]") {
  CHECK(select("SELECT (SELECT VALUE n FROM e) AS names FROM 'x'", kSenml) ==
        R"({"names":["temperature","light","battery"]})");
  CHECK(select("SELECT (SELECT VALUE v FROM e WHERE n = 'light') AS lux FROM 'x'", kSenml) == R"({"lux":[41000]})");
  CHECK(select("SELECT get((SELECT VALUE v FROM e WHERE n = 'light'), 0) AS lux FROM 'x'", kSenml) ==
        R"({"lux":41000})");
  CHECK(select("SELECT (SELECT n, v * 2 AS double FROM e WHERE u = '%EL') AS low FROM 'x'", kSenml) ==
        R"({"low":[{"double":24,"n":"battery"}]})");
  CHECK(select("SELECT (SELECT * FROM e WHERE v > 40000) AS bright FROM 'x'", kSenml) ==
        R"({"bright":[{"n":"light","u":"lx","v":41000}]})");
  // WHERE on a value from a nested SELECT: fire when the light record is bright
  CHECK(select("SELECT bn FROM 'x' WHERE get((SELECT VALUE v FROM e WHERE n = 'light'), 0) > 35000", kSenml) ==
        R"({"bn":"greenhouse-1/"})");
}

TEST_CASE("a nested SELECT over scalars names the element with AS; over an object runs once",
          "[rules][grammar][nested]") {
  const char* payload = R"({"levels": [3, 8, 12, 1], "site": {"zone": 3, "name": "north"}})";
  CHECK(select("SELECT (SELECT VALUE l * 10 FROM levels AS l WHERE l > 5) AS high FROM 'x'", payload) ==
        R"({"high":[80,120]})");
  CHECK(select("SELECT (SELECT name FROM site) AS s FROM 'x'", payload) == R"({"s":{"name":"north"}})");
  CHECK(select("SELECT (SELECT VALUE zone FROM site WHERE zone > 5) AS z FROM 'x'", payload) == "{}");
  CHECK(select("SELECT (SELECT VALUE x FROM missing) AS m, (SELECT VALUE x FROM levels) AS n FROM 'x'", payload) ==
        R"({"n":[]})");  // keys an element lacks are Undefined and left out
  CHECK(select("SELECT (SELECT VALUE (SELECT VALUE v FROM r) FROM rows) AS m FROM 'x'",
               R"({"rows": [{"r": [{"v": 1}, {"v": 2}]}, {"r": [{"v": 3}]}]})") == R"({"m":[[1,2],[3]]})");
}

TEST_CASE("EXISTS is true when the nested SELECT gives anything", "[rules][grammar][nested]") {
  const char* payload = R"({"arr": [1, 2, 3], "e": [{"n": "a"}]})";
  CHECK(select("SELECT 1 AS hit FROM 'x' WHERE EXISTS (SELECT * FROM arr AS a WHERE a = 3)", payload) ==
        R"({"hit":1})");
  CHECK(select("SELECT 1 AS hit FROM 'x' WHERE EXISTS (SELECT * FROM arr AS a WHERE a = 4)", payload) ==
        "(WHERE not true)");
  CHECK(select("SELECT EXISTS (SELECT n FROM e WHERE n = 'a') AS has_a, EXISTS (SELECT * FROM nothing) AS none "
               "FROM 'x'",
               payload) == R"({"has_a":true,"none":false})");
}

TEST_CASE("SET variables are computed once and used in SELECT, WHERE, later variables and templates",
          "[rules][grammar][set]") {
  const char* sql =
      "SET @avg = (t1 + t2) / 2, @label = 'avg ' + @avg SELECT @avg AS avg, @label AS label FROM 'x' WHERE @avg > 20";
  CHECK(select(sql, R"({"t1": 21, "t2": 24})") == R"({"avg":22,"label":"avg 22"})");
  CHECK(select(sql, R"({"t1": 10, "t2": 12})") == "(WHERE not true)");
  CHECK(select(sql, R"({"t1": 10})") == "(WHERE not true)");  // Undefined stays Undefined

  auto parsed = parse_statement("SET @id = newuuid() SELECT @id AS a, @id AS b FROM 'x'");
  REQUIRE(parsed.statement);
  int calls = 0;
  EvalInput input("x", "{}");
  input.new_uuid = [&calls] { return "uuid-" + std::to_string(++calls); };
  CHECK(evaluate_select(*parsed.statement, input).payload == R"({"a":"uuid-1","b":"uuid-1"})");
  CHECK(calls == 1);

  SqlError error;
  auto topic = Template::parse("alerts/${@id}", error, parsed.statement.get());
  REQUIRE(topic);
  CHECK(topic->render(input) == "alerts/uuid-1");  // the same message: the same value
  CHECK(select("SET @n = 2 SELECT (SELECT VALUE v * @n FROM e) AS d FROM 'x'", R"({"e": [{"v": 1}]})") ==
        R"({"d":[2]})");
}

TEST_CASE("a variable's value belongs to its own statement", "[rules][grammar][set]") {
  auto a = parse_statement("SET @v = 1 SELECT @v AS v FROM 'x'");
  auto b = parse_statement("SET @v = 2 SELECT @v AS v FROM 'x'");
  REQUIRE(a.statement);
  REQUIRE(b.statement);
  EvalInput input("x", "{}");  // one message, two rules
  CHECK(evaluate_select(*a.statement, input).payload == R"({"v":1})");
  CHECK(evaluate_select(*b.statement, input).payload == R"({"v":2})");
  CHECK(evaluate_select(*a.statement, input).payload == R"({"v":1})");

  // Rules evaluated in turn on one message each keep their own once-only values.
  auto c = parse_statement("SET @id = newuuid() SELECT @id AS id FROM 'x'");
  auto d = parse_statement("SET @id = newuuid() SELECT @id AS id FROM 'x'");
  int calls = 0;
  EvalInput shared("x", "{}");
  shared.new_uuid = [&calls] { return std::to_string(++calls); };
  CHECK(evaluate_select(*c.statement, shared).payload == R"({"id":"1"})");
  CHECK(evaluate_select(*d.statement, shared).payload == R"({"id":"2"})");
  CHECK(evaluate_select(*c.statement, shared).payload == R"({"id":"1"})");
}

TEST_CASE("a chain of variables cannot nest deeper than an expression may", "[rules][grammar][set]") {
  std::string sql = "SET @v0 = 1";
  for (int i = 1; i < 120; ++i) sql += ", @v" + std::to_string(i) + " = @v" + std::to_string(i - 1) + " + 1";
  sql += " SELECT @v119 AS v FROM 'x'";
  auto parsed = parse_statement(sql);
  REQUIRE(parsed.error);
  CHECK(parsed.error->message.find("nests too deeply") != std::string::npos);
}

TEST_CASE("`*` as an argument is the payload: bytes for encode(), the value elsewhere", "[rules][grammar]") {
  CHECK(select("SELECT encode(*, 'base64') AS data FROM 'x'", "{ \"a\": 1 }") == R"({"data":"eyAiYSI6IDEgfQ=="})");
  CHECK(select("SELECT get(*, 'a') AS a, concat(*, 'x') AS c FROM 'x'", R"({"a": 1})") ==
        R"({"a":1,"c":"{\"a\":1}x"})");
  CHECK(select("SELECT upper(*) AS u FROM 'x'", "plain words") == R"({"u":"PLAIN WORDS"})");
}
