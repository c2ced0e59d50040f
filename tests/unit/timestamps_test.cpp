#include <catch2/catch.hpp>

#include "core/timestamps.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;

TEST_CASE("timestamps print as RFC 3339 UTC with milliseconds", "[timestamps]") {
  CHECK(format_rfc3339_ms(WallClock::time_point(1767225600123ms)) == "2026-01-01T00:00:00.123Z");
  CHECK(format_rfc3339_ms(WallClock::time_point(0ms)) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("RFC 3339 times parse with fractions and offsets", "[timestamps]") {
  CHECK(parse_rfc3339("2026-01-01T00:00:00Z") == WallClock::time_point(1767225600000ms));
  CHECK(parse_rfc3339("2026-01-01T00:00:00.5Z") == WallClock::time_point(1767225600500ms));
  CHECK(parse_rfc3339("2026-01-01T01:30:00+01:30") == WallClock::time_point(1767225600000ms));
  CHECK(parse_rfc3339("2025-12-31T23:00:00-01:00") == WallClock::time_point(1767225600000ms));
  CHECK(parse_rfc3339("2024-02-29t12:00:00z"));
  for (const char* bad : {"", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00.Z",
                          "2026-01-01T00:00:00Zjunk", "yesterday"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("a command's time is its payload ts when it has one, else when it was received", "[timestamps]") {
  const auto received = WallClock::time_point(1767225600000ms);
  std::string why;
  CHECK(command_issued_at(nlohmann::json::parse(R"({"value":1})"), received, why) == received);
  CHECK(command_issued_at(nlohmann::json::parse(R"({"ts":1767225590000})"), received, why) ==
        WallClock::time_point(1767225590000ms));
  CHECK(command_issued_at(nlohmann::json::parse(R"({"ts":"2026-01-01T00:00:10Z"})"), received, why) ==
        WallClock::time_point(1767225610000ms));
  CHECK(command_issued_at("plain text", received, why) == received);
  CHECK_FALSE(command_issued_at(nlohmann::json::parse(R"({"ts":"soon"})"), received, why));
  CHECK(why.find("RFC 3339") != std::string::npos);
  CHECK_FALSE(command_issued_at(nlohmann::json::parse(R"({"ts":-5})"), received, why));
  // Found by fuzz_commands: year 2279 in milliseconds overflowed the conversion to nanoseconds.
  CHECK_FALSE(command_issued_at(nlohmann::json::parse(R"({"ts":9767225600000})"), received, why));
  CHECK(why.find("between 2001 and 2200") != std::string::npos);
  CHECK_FALSE(command_issued_at(nlohmann::json::parse(R"({"ts":7258118400000})"), received, why));
  CHECK(command_issued_at(nlohmann::json::parse(R"({"ts":7258118399999})"), received, why) ==
        WallClock::time_point(7258118399999ms));
}
