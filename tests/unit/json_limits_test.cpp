// core/json_limits: JSON from outside is parsed only within its bounds, so a
// document 60,000 levels deep or megabytes long is refused with a reason
// instead of overflowing the stack later (copying, printing, freeing recurse).
#include <catch2/catch.hpp>

#include <string>

#include "core/json_limits.hpp"
#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"

using edgebridge::JsonLimits;
using edgebridge::json_nesting_depth;
using edgebridge::parse_json_bounded;

TEST_CASE("a document within the bounds parses; one deeper or longer is refused with why", "[json_limits]") {
  auto ok = parse_json_bounded(R"({"a": [1, {"b": [2]}]})");
  REQUIRE(ok.ok());
  CHECK(ok.value["a"][1]["b"][0] == 2);

  const std::string deep = std::string(60000, '[') + std::string(60000, ']');  // valid JSON
  auto refused = parse_json_bounded(deep);
  CHECK(refused.refused);
  CHECK(refused.value.is_discarded());
  CHECK(refused.error == "the JSON nests arrays and objects more than 64 levels deep");

  const std::string big = "[\"" + std::string(300 * 1024, 'x') + "\"]";
  auto large = parse_json_bounded(big);
  CHECK(large.refused);
  CHECK(large.error == "the JSON is 307204 bytes, over the limit of 262144");

  auto text = parse_json_bounded("80 degrees");
  CHECK_FALSE(text.refused);
  CHECK(text.error == "not JSON");
}

TEST_CASE("the depth bound counts arrays and objects, not brackets inside strings", "[json_limits]") {
  std::string at_limit;
  for (int i = 0; i < 64; ++i) at_limit += "[";
  for (int i = 0; i < 64; ++i) at_limit += "]";
  CHECK(parse_json_bounded(at_limit).ok());
  CHECK(parse_json_bounded("[" + at_limit + "]").refused);
  CHECK(json_nesting_depth(R"({"s": "[[[[{{{{\"[[[["})", 100) == 1);
  CHECK(parse_json_bounded(R"({"s": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})").ok());
  JsonLimits tight;
  tight.max_depth = 2;
  tight.max_bytes = 10;
  CHECK(parse_json_bounded("[[1]]", tight).ok());
  CHECK(parse_json_bounded("[[[1]]]", tight).refused);
  CHECK(parse_json_bounded("[1,2,3,4,5]", tight).refused);
}

TEST_CASE("a rule sees a refused payload's keys as undefined and passes its bytes through SELECT *",
          "[json_limits][rules]") {
  const std::string deep = std::string(60000, '[') + std::string(60000, ']');
  edgebridge::rules::EvalInput input("a/b", deep);
  CHECK(input.json() == nullptr);
  CHECK(input.payload_refused() == "the JSON nests arrays and objects more than 64 levels deep");
  auto star = edgebridge::rules::parse_statement("SELECT * FROM 'a/#' WHERE x IS UNDEFINED");
  REQUIRE(star.statement);
  CHECK(edgebridge::rules::evaluate_where(*star.statement, input) == edgebridge::rules::Condition::is_true);
  CHECK(edgebridge::rules::evaluate_select(*star.statement, input).payload == deep);
  // decode() parses what it decodes within the same bounds
  auto decode = edgebridge::rules::parse_expression("decode(encode(*, 'base64'), 'base64')", 0);
  REQUIRE(decode.expr);
  CHECK(edgebridge::rules::evaluate(*decode.expr, input).kind() == edgebridge::rules::Value::Kind::string);
}
