// core/echo: text from outside quoted back in an error, a result or a log line
// is cut to kEchoLimit bytes with a marker that names the limit, so a 300 KiB
// payload never lands whole in a log or a reply.
#include <catch2/catch.hpp>

#include <string>

#include "core/echo.hpp"

using edgebridge::echo_json;
using edgebridge::echo_text;
using edgebridge::kEchoLimit;

TEST_CASE("short text is echoed as it is; long text is cut with a marker naming the limit", "[echo]") {
  CHECK(echo_text("setpoint") == "setpoint");
  CHECK(echo_text(std::string(kEchoLimit, 'x')) == std::string(kEchoLimit, 'x'));
  const std::string huge(300 * 1024, 'x');
  CHECK(echo_text(huge) == std::string(128, 'x') + "... [307200 bytes, cut at the echo limit of 128]");
  CHECK(echo_text("abcdef", 3) == "abc... [6 bytes, cut at the echo limit of 3]");
}

TEST_CASE("an echo keeps a log line on one line and never splits a UTF-8 character", "[echo]") {
  CHECK(echo_text("two\nlines\r\t\x7f") == "two?lines???");
  // "é" is two bytes (C3 A9): a cut after 4 bytes of "abcé" would split it.
  CHECK(echo_text("abc\xC3\xA9z", 4) == "abc... [6 bytes, cut at the echo limit of 4]");
  CHECK(echo_text("abc\xC3\xA9z", 5) == "abc\xC3\xA9... [6 bytes, cut at the echo limit of 5]");
}

TEST_CASE("a JSON value is echoed as itself when short, else as its cut text", "[echo]") {
  CHECK(echo_json(nullptr).is_null());
  CHECK(echo_json(21.5) == 21.5);
  CHECK(echo_json(true) == true);
  CHECK(echo_json("req-7") == "req-7");
  CHECK(echo_json({{"a", 1}}) == nlohmann::json{{"a", 1}});
  CHECK(echo_json(std::string(1000, 'y')) == std::string(128, 'y') + "... [1000 bytes, cut at the echo limit of 128]");
  nlohmann::json big = nlohmann::json::array();
  for (int i = 0; i < 1000; ++i) big.push_back(i);
  const auto cut = echo_json(big);
  REQUIRE(cut.is_string());
  CHECK(cut.get<std::string>().rfind("[0,1,2,3,", 0) == 0);
  CHECK(cut.get<std::string>().find("... [3891 bytes, cut at the echo limit of 128]") != std::string::npos);
}
