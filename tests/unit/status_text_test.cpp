// `edgebridge status` reads whatever answered on the metrics port: /stats is
// parsed within bounds (deep or huge bodies are refused with why), and any
// JSON object prints without throwing, text cut and kept on its line.
#include <catch2/catch.hpp>

#include <string>

#include "observe/status_text.hpp"

using namespace edgebridge;

namespace {

std::string deep(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

}  // namespace

TEST_CASE("edgebridge status reads /stats within bounds and prints any JSON object without throwing",
          "[bounds][observe]") {
  std::string why;
  CHECK_FALSE(parse_stats("{\"remotes\":" + deep(60000) + "}", why));
  CHECK(why == "it answered JSON that was not read: the JSON nests arrays and objects more than 64 levels deep");
  CHECK_FALSE(parse_stats("[1,2]", why));
  CHECK(why == "it did not answer a JSON object");
  CHECK_FALSE(parse_stats("<html>", why));
  CHECK(why == "it did not answer a JSON object");

  // Every key the printer reads, holding the wrong kind of value.
  auto hostile = parse_stats(R"({
    "gateway": [1, 2], "version": {"a": null}, "uptime_s": "long", "healthy": "yes",
    "local": [], "remotes": {"ops": [1], "dr": {"state": 7, "outbox": {"depth": -5, "oldest_age_s": 1e308,
      "forwarded": 1e300, "dropped": {"ttl": "many", "full": -1, "size": 2.5}}, "down_since": 3, "healthy": 1}},
    "messages": {"received": "none"}, "devices": {"lux1": 5, "m\nx": {"type": 1, "polls_ok": 1e300, "x": [1]}},
    "rules": {"r": "on", "s": {"holding": "yes", "fired": -3}}
  })",
                             why);
  REQUIRE(hostile);
  std::string text;
  REQUIRE_NOTHROW(text = format_status(*hostile));
  INFO(text);
  CHECK_THAT(text, Catch::Contains("gateway [1,2]"));
  CHECK_THAT(text, Catch::Contains("dropped size"));
  CHECK_THAT(text, Catch::Contains("m?x"));  // a name cannot break a line
  CHECK_THAT(text, Catch::Contains("polls_ok 1e+300"));
  // A long text value is shown cut.
  const std::string long_error = std::string(100000, 'e');
  auto chatty = parse_stats("{\"local\":{\"state\":\"down\",\"last_error\":\"" + long_error + "\"}}", why);
  REQUIRE(chatty);
  CHECK(format_status(*chatty).size() < 2000);
}
