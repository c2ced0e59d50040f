// The AWS IoT Developer Guide's documented SQL examples, from the table in
// tests/rules_conformance/aws_iot_sql_examples.json (each row names its page),
// run through the parser and evaluator. `edgebridge rules test` runs the same
// table in tests/integration/test_rules_conformance.py.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "routing/topic_trie.hpp"
#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"
#include "rules/substitution.hpp"

using namespace edgebridge::rules;

namespace {

nlohmann::json load_table() {
  std::ifstream in(EDGEBRIDGE_SOURCE_DIR "/tests/rules_conformance/aws_iot_sql_examples.json");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// JSON equality with numbers compared within 1e-12 (relative): the guide
// prints doubles as Java does; an Int and a whole Decimal are equal.
bool same_json(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>();
    const double y = b.get<double>();
    return std::fabs(x - y) <= 1e-12 * std::max(1.0, std::max(std::fabs(x), std::fabs(y)));
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same_json(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !same_json(*it, *other)) return false;
    }
    return true;
  }
  return a == b;
}

std::string sql_of(const nlohmann::json& row) {
  if (row.contains("sql")) return row["sql"].get<std::string>();
  return "SELECT VALUE " + row["expression"].get<std::string>() + " FROM '#'";
}

}  // namespace

TEST_CASE("every example of the AWS IoT SQL reference gives the result the guide states", "[rules][conformance]") {
  const nlohmann::json table = load_table();
  REQUIRE(table["examples"].size() >= 166);
  std::size_t index = 0;
  for (const auto& row : table["examples"]) {
    const std::string sql = sql_of(row);
    DYNAMIC_SECTION("row " << index++ << ": " << sql) {
      INFO("page: " << row["page"].get<std::string>());
      auto parsed = parse_statement(sql);
      if (row.contains("error")) {
        REQUIRE(parsed.error);
        CHECK_THAT(parsed.error->message, Catch::Contains(row["error"].get<std::string>()));
        continue;
      }
      INFO("parse error: " << (parsed.error ? parsed.error->message : std::string("none")));
      REQUIRE(parsed.statement);
      const Statement& st = *parsed.statement;
      const std::string topic = row.value("topic", std::string("things/myThings/thingOne"));
      EvalInput input(topic, row.value("payload", std::string("{}")));
      input.timestamp_ms = 1481825251155;
      if (row.contains("source")) {
        const std::string source = row["source"].get<std::string>();
        input.client_id = source.substr(source.find(':') + 1);
      }

      CHECK(edgebridge::topic_matches(st.from, topic) == row.value("from_matches", true));
      if (!row.value("from_matches", true)) continue;
      const Condition where = evaluate_where(st, input);
      const std::string expected_where = row.value("where", std::string("true"));
      CHECK(where == (expected_where == "true"    ? Condition::is_true
                      : expected_where == "false" ? Condition::is_false
                                                  : Condition::undefined));
      if (expected_where != "true") continue;

      const Selected selected = evaluate_select(st, input);
      INFO("output: " << selected.payload);
      if (row.contains("output_text")) CHECK(selected.payload == row["output_text"].get<std::string>());
      if (row.contains("output")) {
        REQUIRE_FALSE(selected.json.is_discarded());
        CHECK(same_json(selected.json, row["output"]));
      }
      if (row.contains("value")) {
        REQUIRE_FALSE(selected.json.is_discarded());
        CHECK(same_json(selected.json, row["value"]));
      }
      if (row.contains("undefined")) CHECK(selected.payload.empty());
      if (row.contains("match")) CHECK(std::regex_search(selected.payload, std::regex(row["match"].get<std::string>())));
      if (row.contains("action_topic")) {
        SqlError error;
        auto t = Template::parse(row["action_topic"].get<std::string>(), error, &st);
        REQUIRE(t);
        const std::string rendered = t->render(input);
        if (row.contains("published_topic")) CHECK(rendered == row["published_topic"].get<std::string>());
        if (row.contains("published_topic_match"))
          CHECK(std::regex_search(rendered, std::regex(row["published_topic_match"].get<std::string>())));
      }
    }
  }
}

TEST_CASE("each example marked as a difference says why", "[rules][conformance]") {
  const nlohmann::json table = load_table();
  for (const auto& row : table["examples"]) {
    if (!row.contains("difference")) continue;
    CHECK(row["difference"].get<std::string>().size() > 20);
    CHECK(row["page"].get<std::string>().rfind("https://docs.aws.amazon.com/iot/", 0) == 0);
  }
}
