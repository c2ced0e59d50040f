#include <catch2/catch.hpp>

#include "config/units.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;

TEST_CASE("durations in the units bridge.yaml uses", "[units]") {
  std::string why;
  CHECK(parse_duration("30s", why) == Duration(30'000));
  CHECK(parse_duration("15m", why) == Duration(900'000));
  CHECK(parse_duration("250ms", why) == Duration(250));
  CHECK(parse_duration("1h30m", why) == Duration(5'400'000));
  CHECK(parse_duration("7d", why) == Duration(604'800'000));
  CHECK(parse_duration("1.5s", why) == Duration(1500));
  CHECK(parse_duration("15 minutes", why) == Duration(900'000));
  CHECK(parse_duration("1 hour 30 min", why) == Duration(5'400'000));
}

TEST_CASE("durations without a unit or with a wrong one are refused with a reason", "[units]") {
  std::string why;
  CHECK_FALSE(parse_duration("30", why));
  CHECK(why.find("has no unit") != std::string::npos);
  CHECK_FALSE(parse_duration("15 fortnights", why));
  CHECK(why.find("unknown unit \"fortnights\"") != std::string::npos);
  CHECK_FALSE(parse_duration("30x", why));
  CHECK(why.find("unknown unit \"x\"") != std::string::npos);
  CHECK_FALSE(parse_duration("", why));
  CHECK_FALSE(parse_duration("s", why));
  CHECK_FALSE(parse_duration("-5s", why));
}

TEST_CASE("sizes in bytes, SI and binary units", "[units]") {
  std::string why;
  CHECK(parse_size("4096", why) == 4096u);
  CHECK(parse_size("512MiB", why) == 512ull * 1024 * 1024);
  CHECK(parse_size("1GB", why) == 1'000'000'000ull);
  CHECK(parse_size("10 KiB", why) == 10240u);
  CHECK_FALSE(parse_size("12 parsecs", why));
  CHECK(why.find("not a size") != std::string::npos);
}

TEST_CASE("rates of messages and bytes", "[units]") {
  std::string why;
  CHECK(parse_rate("100/s", why)->per_second == Approx(100));
  CHECK(parse_rate("6000/min", why)->per_second == Approx(100));
  CHECK(parse_rate("36/h", why)->per_second == Approx(0.01));
  CHECK(parse_rate("unlimited", why)->unlimited());
  CHECK_FALSE(parse_rate("100", why));
  CHECK_FALSE(parse_rate("fast/s", why));
  CHECK(parse_byte_rate("1MiB/s", why)->per_second == Approx(1048576));
  CHECK_FALSE(parse_byte_rate("1MiB", why));
}

TEST_CASE("formatting is the inverse of parsing for round values", "[units]") {
  CHECK(format_duration(Duration(900'000)) == "15m");
  CHECK(format_duration(Duration(5'400'000)) == "1h30m");
  CHECK(format_duration(Duration(250)) == "250ms");
  CHECK(format_size(512ull * 1024 * 1024) == "512MiB");
  CHECK(format_size(1000) == "1000B");
  CHECK(format_rate(Rate{100}) == "100/s");
}
