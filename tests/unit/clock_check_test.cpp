#include <catch2/catch.hpp>

#include "ops/clock_check.hpp"

using namespace edgebridge;

namespace {
constexpr std::int64_t kBuildDay = 1'795'996'800;  // 2026-11-30T00:00:00Z
}

TEST_CASE("A clock before the build day and not synchronised makes remotes wait, and says why") {
  const std::string why = clock_problem({1'577'836'800, false}, kBuildDay);  // 2020-01-01
  CHECK(why.find("2020-01-01T00:00:00Z") != std::string::npos);
  CHECK(why.find("2026-11-30") != std::string::npos);
  CHECK(why.find("not synchronised") != std::string::npos);
}

TEST_CASE("A clock on or after the build day is plausible even when not synchronised") {
  CHECK(clock_problem({kBuildDay, false}, kBuildDay).empty());
  CHECK(clock_problem({kBuildDay + 86'400 * 400, false}, kBuildDay).empty());
}

TEST_CASE("A synchronised clock is trusted even before the build day") {
  CHECK(clock_problem({kBuildDay - 86'400, true}, kBuildDay).empty());
}

TEST_CASE("The clock check asks its source every time, so a corrected clock is seen at once") {
  ClockReading reading{1'000'000'000, false};
  ClockCheck check([&] { return std::optional<ClockReading>(reading); }, kBuildDay);
  CHECK_FALSE(check.problem().empty());
  reading.now_seconds = kBuildDay + 5;
  CHECK(check.problem().empty());
}

TEST_CASE("An unreadable clock source is a reason to wait") {
  ClockCheck check([] { return std::optional<ClockReading>(); }, kBuildDay);
  CHECK(check.problem() == "the clock cannot be read");
}
