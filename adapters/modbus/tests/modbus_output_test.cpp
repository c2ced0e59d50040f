// What a poll publishes: one JSON object per poll, optionally each value on
// its own topic, and with on_change only what moved beyond its deadband.
#include <catch2/catch.hpp>

#include "modbus/reading_output.hpp"

using namespace edgebridge;
using namespace edgebridge::modbus;
using namespace std::chrono_literals;

namespace {

ModbusSettings device() {
  ModbusSettings s;
  s.topic = "sensors/lux1";
  RegisterSpec lux;
  lux.name = "lux";
  lux.deadband = 100;
  RegisterSpec temperature;
  temperature.name = "temperature";
  RegisterSpec door;
  door.name = "door";
  s.registers = {lux, temperature, door};
  return s;
}

std::vector<std::string> names(const ModbusSettings& s, const std::vector<Reading>& rs) {
  std::vector<std::string> out;
  out.reserve(rs.size());
  for (const auto& r : rs) out.push_back(s.registers[r.index].name);
  return out;
}

}  // namespace

TEST_CASE("one poll is one JSON object with ts first and values in register order", "[modbus][output]") {
  auto s = device();
  auto messages = reading_messages(s, WallClock::time_point(1767225600000ms), {{0, 31250.5}, {1, 21.4}, {2, true}});
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].topic == "sensors/lux1");
  CHECK(messages[0].payload == R"({"ts":"2026-01-01T00:00:00.000Z","lux":31250.5,"temperature":21.4,"door":true})");
  CHECK(messages[0].qos == 1);
  CHECK_FALSE(messages[0].retain);
}

TEST_CASE("per_register publishes each value as plain text on its own subtopic", "[modbus][output]") {
  auto s = device();
  s.output.json = false;
  s.output.per_register = true;
  auto messages = reading_messages(s, WallClock::now(), {{0, 31250.5}, {2, false}});
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].topic == "sensors/lux1/lux");
  CHECK(messages[0].payload == "31250.5");
  CHECK(messages[1].topic == "sensors/lux1/door");
  CHECK(messages[1].payload == "false");
  CHECK(reading_messages(s, WallClock::now(), {}).empty());
}

TEST_CASE("on_change publishes what moved beyond its deadband, and everything every N polls", "[modbus][output]") {
  auto s = device();
  s.output.on_change = true;
  s.output.every = 3;
  ChangeFilter filter(s);
  auto poll = [&](double lux, double t, bool door) { return names(s, filter.select({{0, lux}, {1, t}, {2, door}})); };
  using V = std::vector<std::string>;
  CHECK(poll(1000, 20.0, false) == V{"lux", "temperature", "door"});  // first poll: all
  CHECK(poll(1050, 20.0, false) == V{});                              // within the deadband of 100
  CHECK(poll(1099, 20.1, false) == V{"temperature"});                 // 99 from the last published 1000
  CHECK(poll(1101, 20.1, true) == V{"lux", "temperature", "door"});   // third poll since all: all
  CHECK(poll(1101, 20.1, false) == V{"door"});
  CHECK(poll(1250, 20.1, false) == V{"lux"});
}

TEST_CASE("without on_change every poll publishes every value", "[modbus][output]") {
  auto s = device();
  ChangeFilter filter(s);
  for (int i = 0; i < 3; ++i) CHECK(filter.select({{0, 1.0}, {1, 2.0}}).size() == 2);
}
