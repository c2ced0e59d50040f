// Substitution templates in action topics and command args: ${expression}
// on the rule's input message, as AWS IoT's rule actions have them.
#include <catch2/catch.hpp>

#include <string>

#include "rules/substitution.hpp"

using namespace edgebridge::rules;

namespace {

std::string render(const std::string& text, const std::string& topic, const std::string& payload) {
  SqlError error;
  auto t = Template::parse(text, error);
  INFO(text << "\nerror: " << error.message);
  REQUIRE(t);
  EvalInput input(topic, payload);
  return t->render(input);
}

std::string template_error(const std::string& text) {
  SqlError error;
  auto t = Template::parse(text, error);
  if (t) return "(no error)";
  return position_in(text, error.offset) + ": " + error.message;
}

}  // namespace

TEST_CASE("the substitution page's example republishes under ${topic()}/republish", "[rules][templates]") {
  CHECK(render("${topic()}/republish", "my/iot/topic", R"({"deviceid":"iot123"})") == "my/iot/topic/republish");
}

TEST_CASE("templates put topic levels, payload keys and expressions into a topic", "[rules][templates]") {
  const std::string topic = "sensors/greenhouse/lux1";
  const std::string payload = R"({"lux": 40000, "site": {"id": "gh-1"}, "zone": 3})";
  CHECK(render("alerts/${topic(2)}", topic, payload) == "alerts/greenhouse");
  CHECK(render("alerts/${site.id}/${topic(3)}", topic, payload) == "alerts/gh-1/lux1");
  CHECK(render("zones/${zone + 1}", topic, payload) == "zones/4");
  CHECK(render("lux/${lux / 1000}k", topic, payload) == "lux/40k");
  CHECK(render("plain/topic", topic, payload) == "plain/topic");
  CHECK(render("costs $5/${'a' + 'b'}", topic, payload) == "costs $5/ab");  // a lone $ is text
  CHECK(render("obj/${ {'k': '}'}.k }", topic, payload) == "obj/}");         // a } inside the expression
}

TEST_CASE("an undefined or null expression writes nothing", "[rules][templates][undefined]") {
  CHECK(render("alerts/${missing}/x", "a/b", "{}") == "alerts//x");
  CHECK(render("alerts/${topic(9)}", "a/b", "{}") == "alerts/");
  CHECK(render("alerts/${n}", "a/b", R"({"n": null})") == "alerts/");
}

TEST_CASE("a bad template says which column of the string", "[rules][templates][errors]") {
  CHECK(template_error("alerts/${topic(2)") == "column 18: expected '}' to close the \"${\" at column 8");
  CHECK(template_error("alerts/${}") == "column 10: expected a value, found \"}\"");
  CHECK(template_error("alerts/${lux >}") == "column 15: expected a value after '>', found \"}\"");
  CHECK(template_error("alerts/${get_thing_shadow('a', 'arn')}").find(
            "column 10: get_thing_shadow() is not available at the edge: it calls an AWS service") == 0);
  CHECK(template_error("alerts/${@zone}") ==
        "column 10: @zone is not set; define it first, e.g. SET @zone = ... SELECT ...");
}

TEST_CASE("command args keep their JSON types and take typed values from ${...}", "[rules][templates]") {
  nlohmann::json args = {{"position", "${100 - lux / 1000}"},
                         {"label", "shade ${topic(2)}"},
                         {"fixed", 5},
                         {"maybe", "${missing}"},
                         {"list", {"${zone}", "z${zone}", "${missing}"}}};
  SqlError error;
  std::string where;
  auto t = JsonTemplate::parse(args, error, where);
  REQUIRE(t);
  EvalInput input("sensors/greenhouse/lux1", R"({"lux": 40000, "zone": 3})");
  CHECK(t->render(input) == nlohmann::json::parse(
                                R"({"position": 60, "label": "shade greenhouse", "fixed": 5,
                                    "list": [3, "z3", null]})"));
}

TEST_CASE("a bad template in command args names the key", "[rules][templates][errors]") {
  nlohmann::json args = {{"ok", "${lux}"}, {"nested", {{"bad", "x ${lux +}"}}}};
  SqlError error;
  std::string where;
  CHECK_FALSE(JsonTemplate::parse(args, error, where));
  CHECK(where == "/nested/bad");
  CHECK(error.message == "column 10: expected a value after '+', found \"}\"");
}
