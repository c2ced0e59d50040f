// Command timestamps (adapters/common/command_time.*).
#include <catch2/catch.hpp>

#include "common/command_time.hpp"

using namespace edgebridge;

TEST_CASE("RFC 3339 times are read with fractions and offsets and written in UTC", "[time]") {
  auto t = parse_rfc3339("2024-05-01T12:00:00Z");
  REQUIRE(t);
  CHECK(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count() == 1714564800);
  CHECK(format_rfc3339_ms(*t) == "2024-05-01T12:00:00.000Z");
  CHECK(format_rfc3339_ms(*parse_rfc3339("2024-05-01T14:00:00.25+02:00")) == "2024-05-01T12:00:00.250Z");
  CHECK(format_rfc3339_ms(*parse_rfc3339("2024-02-29t23:59:59.999-00:30")) == "2024-03-01T00:29:59.999Z");
  for (const char* bad :
       {"", "2024-05-01", "2024-05-01T12:00:00", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z",
        "2024-05-01T12:00:00+2:00", "2024-05-01T12:00:00Zjunk", "2024-05-01T12:00:00.Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("a command's time is its ts when it has one, else when it reached the gateway", "[time]") {
  Message m;
  m.received_at = SystemTime(std::chrono::milliseconds(1'714'564'800'000));
  std::string why;
  CHECK(command_issued_at(nullptr, m, why) == m.received_at);
  nlohmann::json no_ts = {{"code", "x"}};
  CHECK(command_issued_at(&no_ts, m, why) == m.received_at);
  nlohmann::json ms = {{"ts", 1'714'564'000'000LL}};
  CHECK(command_issued_at(&ms, m, why) == SystemTime(std::chrono::milliseconds(1'714'564'000'000)));
  nlohmann::json text = {{"ts", "2024-05-01T11:50:00Z"}};
  CHECK(command_issued_at(&text, m, why) == *parse_rfc3339("2024-05-01T11:50:00Z"));
  nlohmann::json seconds = {{"ts", 1'714'564'000}};
  CHECK_FALSE(command_issued_at(&seconds, m, why));
  CHECK_THAT(why, Catch::Contains("epoch milliseconds"));
}

TEST_CASE("durations for people round to seconds", "[time]") {
  CHECK(format_for_people(std::chrono::milliseconds(850)) == "850ms");
  CHECK(format_for_people(std::chrono::milliseconds(708'001), true) == "11m49s");
  CHECK(format_for_people(std::chrono::milliseconds(708'001)) == "11m48s");
}
