// The AWS IoT rule docs/batching.md gives for unpacking batches, evaluated by
// the edge rules engine on a batch as the forwarder builds it: every entry
// comes out as one element of an array (what a Firehose action with
// batchMode: true turns into one record each).
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "outbox/batch_encoder.hpp"
#include "routing/topic_trie.hpp"
#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"

using namespace edgebridge;

namespace {

// The ```sql block after the "<!-- tested:" marker in docs/batching.md.
std::string documented_sql() {
  std::ifstream in(std::string(EDGEBRIDGE_SOURCE_DIR) + "/docs/batching.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto marker = doc.find("<!-- tested: tests/unit/batch_cloud_rule_test.cpp");
  REQUIRE(marker != std::string::npos);
  const auto open = doc.find("```sql\n", marker);
  REQUIRE(open != std::string::npos);
  const auto start = open + 7;
  const auto close = doc.find("\n```", start);
  REQUIRE(close != std::string::npos);
  return doc.substr(start, close - start);
}

}  // namespace

TEST_CASE("the documented cloud rule turns a json_array batch into one array element per reading", "[batch][rules]") {
  const std::string sql = documented_sql();
  INFO(sql);
  auto parsed = rules::parse_statement(sql);
  REQUIRE(parsed.statement);
  CHECK(topic_matches(parsed.statement->from, "site1/rfid/batch"));
  CHECK_FALSE(topic_matches(parsed.statement->from, "site1/rfid/reader7"));  // single readings are not batches

  const std::vector<std::string> entries = {
      batch::encode_entry("site1/rfid/r1", 1764760000123, "gw:ops:1", R"({"tag": "E200", "rssi": -61})"),
      batch::encode_entry("site1/rfid/r2", 1764760000124, "gw:ops:2", "door open"),
      batch::encode_entry("site1/rfid/r3", 1764760000125, "gw:ops:3", std::string("\x01\xff\x00", 3)),
  };
  const std::string payload = batch::join(BatchFormat::json_array, entries);
  rules::EvalInput input("site1/rfid/batch", payload);
  REQUIRE(rules::evaluate_where(*parsed.statement, input) == rules::Condition::is_true);
  const auto out = nlohmann::json::parse(rules::evaluate_select(*parsed.statement, input).payload);
  REQUIRE(out.is_array());
  REQUIRE(out.size() == 3);
  CHECK(out[0]["id"] == "gw:ops:1");
  CHECK(out[0]["topic"] == "site1/rfid/r1");
  CHECK(out[0]["ts"] == 1764760000123);
  CHECK(out[0]["payload"]["rssi"] == -61);
  CHECK(out[1]["payload"] == "door open");
  CHECK(out[2]["encoding"] == "base64");
  CHECK(out[2]["payload"] == "Af8A");
}
