// `for:` holds against a fake clock: the greenhouse's "lux above 35,000 for
// 15 minutes closes the shade", its dips, its silences and its restarts.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "loader/loader.hpp"
#include "rules/rule_config.hpp"
#include "rules/rules_engine.hpp"
#include "rules_test_support.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;
using test_support::FakeClock;
using test_support::Recorder;

namespace {

std::shared_ptr<const RulesConfig> rules_from(const std::string& yaml) {
  LoadOptions options;
  options.check_files = false;
  options.default_gateway_id = "unit-gw";
  auto r = load_config_text(yaml, "bridge.yaml", test_support::rules_catalog(), options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  return r.config->rules;
}

std::string too_bright(const std::string& extra = "") {
  return R"(
devices:
  - { name: shade, type: fake_ir, topic: cmd/greenhouse/shade }
rules:
  - name: too_bright
    sql: "SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    for: 15m
)" + extra + R"(
    actions:
      - command: { device: shade, name: close }
)";
}

Message reading(double lux) {
  Message m;
  m.topic = "sensors/greenhouse/lux1";
  m.payload = "{\"lux\": " + std::to_string(lux) + "}";
  m.qos = 1;
  return m;
}

// A temporary database path, removed (with its WAL files) at the end.
struct TempDb {
  std::string path;
  TempDb() {
    char name[] = "/tmp/edgebridge-rules-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path = name;
  }
  ~TempDb() {
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());
  }
};

struct Greenhouse {
  FakeClock clock;
  Recorder effects;
  std::unique_ptr<RulesEngine> engine;

  explicit Greenhouse(const std::string& yaml, const std::string& state_path = "") { open(yaml, state_path); }
  void open(const std::string& yaml, const std::string& state_path) {
    RulesEngine::Options options;
    options.clock = clock.function();
    options.state_path = state_path;
    options.earliest_valid_ms = 0;
    engine = std::make_unique<RulesEngine>(rules_from(yaml), effects, options);
  }
  // One reading a minute for `minutes`, the timer ticking in between.
  void readings(double lux, int minutes) {
    for (int i = 0; i < minutes; ++i) {
      engine->on_message(Source::device("lux1"), reading(lux));
      clock.advance(1min);
      engine->tick();
    }
  }
  std::size_t closes() const { return effects.commands.size(); }
};

}  // namespace

TEST_CASE("lux above the threshold for 15 minutes closes the shade exactly once", "[rules][hold]") {
  Greenhouse g(too_bright());
  g.readings(40000, 14);  // readings at minutes 0..13; the clock is at 14m
  CHECK(g.closes() == 0);
  g.readings(40000, 1);  // minute 14; the clock reaches 15m and the timer fires
  CHECK(g.closes() == 1);
  g.readings(40000, 60);  // the condition keeps holding: no second close
  REQUIRE(g.closes() == 1);
  CHECK(g.effects.commands[0].device == "shade");
  CHECK(g.effects.commands[0].name == "close");
  auto m = g.engine->metrics();
  CHECK(m[0].fired == 1);
  CHECK(m[0].evaluations == 75);
  CHECK(m[0].matched == 75);
}

TEST_CASE("a reading that fires exactly at the hold's end fires from the message itself", "[rules][hold]") {
  Greenhouse g(too_bright());
  g.engine->on_message(Source::device("lux1"), reading(40000));
  g.clock.advance(15min);
  g.engine->on_message(Source::device("lux1"), reading(41000));  // no tick in between
  CHECK(g.closes() == 1);
}

TEST_CASE("a dip below the threshold resets the hold and the rule re-arms", "[rules][hold]") {
  Greenhouse g(too_bright());
  g.readings(40000, 10);
  g.readings(30000, 1);  // a cloud passes at minute 10: the hold starts over
  g.readings(40000, 14);
  CHECK(g.closes() == 0);  // only 14 minutes since the dip
  g.readings(40000, 1);
  CHECK(g.closes() == 1);
  g.readings(20000, 5);   // evening: re-armed
  g.readings(40000, 16);  // the next bright spell fires again
  CHECK(g.closes() == 2);
}

TEST_CASE("a running hold tells when it began and its rule when it last fired", "[rules][hold][metrics]") {
  Greenhouse g(too_bright());
  const auto start = g.clock.now;
  auto m = g.engine->metrics()[0];
  CHECK(m.hold_for == 15min);
  CHECK_FALSE(m.holding);
  CHECK(m.last_fired == std::chrono::system_clock::time_point{});  // never
  g.readings(40000, 10);
  m = g.engine->metrics()[0];
  CHECK(m.holding);
  CHECK(m.holding_since == start);  // fires at start + 15 minutes: 5 minutes left
  CHECK(m.last_fired == std::chrono::system_clock::time_point{});
  g.readings(40000, 5);  // the timer fires it at minute 15
  m = g.engine->metrics()[0];
  CHECK_FALSE(m.holding);
  CHECK(m.last_fired == start + 15min);
  g.readings(20000, 1);
  g.readings(40000, 3);  // a new hold, begun at minute 16
  m = g.engine->metrics()[0];
  CHECK(m.holding);
  CHECK(m.holding_since == start + 16min);
  CHECK(m.last_fired == start + 15min);
}

TEST_CASE("a message whose WHERE is undefined breaks the hold too", "[rules][hold][undefined]") {
  Greenhouse g(too_bright());
  g.readings(40000, 10);
  Message broken = reading(0);
  broken.payload = R"({"error": "modbus timeout"})";
  g.engine->on_message(Source::device("lux1"), broken);
  g.readings(40000, 14);
  CHECK(g.closes() == 0);
  CHECK(g.engine->metrics()[0].undefined == 1);
}

TEST_CASE("without max_gap a hold stays armed through silence and fires on time", "[rules][hold]") {
  Greenhouse g(too_bright());
  g.engine->on_message(Source::device("lux1"), reading(40000));
  g.clock.advance(15min - 1ms);
  g.engine->tick();
  CHECK(g.closes() == 0);
  g.clock.advance(1ms);
  g.engine->tick();
  CHECK(g.closes() == 1);
}

TEST_CASE("with max_gap a hold whose sensor went silent is dropped", "[rules][hold]") {
  Greenhouse g(too_bright("    max_gap: 3m\n"));
  g.readings(40000, 2);  // readings at 0 and 1 minute
  g.clock.advance(3min);
  g.engine->tick();  // 4 minutes after the last reading: dropped
  CHECK_FALSE(g.engine->metrics()[0].holding);
  g.clock.advance(20min);
  g.engine->tick();
  CHECK(g.closes() == 0);
  g.readings(40000, 16);  // readings resume: a new hold, which fires after 15 minutes
  CHECK(g.closes() == 1);
}

TEST_CASE("with max_gap a late reading starts a new hold instead of continuing", "[rules][hold]") {
  Greenhouse g(too_bright("    max_gap: 3m\n"));
  g.engine->on_message(Source::device("lux1"), reading(40000));
  g.clock.advance(14min);
  g.engine->on_message(Source::device("lux1"), reading(40000));  // no tick saw the gap
  g.clock.advance(1min);
  g.engine->tick();
  CHECK(g.closes() == 0);  // 15 minutes since the first reading, but the hold restarted at 14
  g.readings(40000, 14);
  CHECK(g.closes() == 1);
}

TEST_CASE("for: 0s fires once when the condition becomes true, then re-arms", "[rules][hold]") {
  Greenhouse g(R"(
devices:
  - { name: shade, type: fake_ir, topic: cmd/greenhouse/shade }
rules:
  - name: edge
    sql: "SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    for: 0s
    actions: [ { command: { device: shade, name: close } } ]
)");
  g.readings(40000, 3);
  CHECK(g.closes() == 1);
  g.readings(1000, 1);
  g.readings(40000, 3);
  CHECK(g.closes() == 2);
}

TEST_CASE("a rule without for: fires for every matching message", "[rules][hold]") {
  Greenhouse g(R"(
devices:
  - { name: shade, type: fake_ir, topic: cmd/greenhouse/shade }
rules:
  - name: each
    sql: "SELECT lux FROM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    actions: [ { command: { device: shade, name: close } } ]
)");
  g.readings(40000, 3);
  g.readings(1000, 2);
  g.readings(40000, 1);
  CHECK(g.closes() == 4);
}

TEST_CASE("a restart keeps a running hold: it fires 15 minutes after it began", "[rules][hold][restart]") {
  TempDb db;
  Greenhouse g(too_bright(), db.path);
  REQUIRE(g.engine->persistent());
  g.readings(40000, 10);
  g.engine.reset();  // edgebridge stops at minute 10
  g.clock.advance(2min);
  g.open(too_bright(), db.path);
  CHECK(g.engine->metrics()[0].holding);
  g.readings(40000, 2);  // minutes 12 and 13
  CHECK(g.closes() == 0);
  g.readings(40000, 1);  // the clock reaches 15m
  CHECK(g.closes() == 1);
}

TEST_CASE("a restart after the hold fired does not fire it again", "[rules][hold][restart]") {
  TempDb db;
  Greenhouse g(too_bright(), db.path);
  g.readings(40000, 16);
  REQUIRE(g.closes() == 1);
  g.engine.reset();
  g.open(too_bright(), db.path);
  g.readings(40000, 30);
  CHECK(g.closes() == 1);
  g.readings(100, 1);  // re-armed, and the re-arming is saved too
  g.engine.reset();
  g.open(too_bright(), db.path);
  g.readings(40000, 16);
  CHECK(g.closes() == 2);
}

TEST_CASE("a restart with a changed rule starts its hold afresh", "[rules][hold][restart]") {
  TempDb db;
  Greenhouse g(too_bright(), db.path);
  g.readings(40000, 10);
  g.engine.reset();
  const std::string changed = too_bright();
  std::string edited = changed;
  edited.replace(edited.find("35000"), 5, "36000");
  g.open(edited, db.path);
  CHECK_FALSE(g.engine->metrics()[0].holding);
  g.readings(40000, 14);
  CHECK(g.closes() == 0);
  g.readings(40000, 1);
  CHECK(g.closes() == 1);
}

TEST_CASE("the hold fires with the last reading it saw, even after a restart", "[rules][hold][restart]") {
  TempDb db;
  const std::string yaml = R"(
rules:
  - name: too_bright
    sql: "SELECT lux, clientid() AS sensor FROM 'sensors/greenhouse/lux1' WHERE lux > 35000"
    for: 15m
    actions: [ { publish: { topic: "alerts/${topic(2)}" } } ]
)";
  Greenhouse g(yaml, db.path);
  g.readings(40000, 9);
  g.engine->on_message(Source::device("lux1"), reading(42000));
  g.engine.reset();
  g.clock.advance(15min);
  g.open(yaml, db.path);
  g.engine->tick();
  auto alerts = g.effects.local_on("alerts/greenhouse");
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].payload == R"({"lux":42000,"sensor":"lux1"})");
}

TEST_CASE("a wall clock that jumps back restarts the hold instead of firing early", "[rules][hold]") {
  Greenhouse g(too_bright());
  g.readings(40000, 5);
  g.clock.advance(-1h);  // NTP corrects a clock that was an hour fast
  g.readings(40000, 14);
  CHECK(g.closes() == 0);
  g.readings(40000, 1);
  CHECK(g.closes() == 1);
}

TEST_CASE("a hold that began before the build date is not trusted", "[rules][hold]") {
  FakeClock clock;
  clock.now = std::chrono::system_clock::time_point(std::chrono::seconds(60));  // a Pi booted at 1970
  Recorder effects;
  RulesEngine::Options options;
  options.clock = clock.function();
  options.earliest_valid_ms = 1'700'000'000'000;
  RulesEngine engine(rules_from(too_bright()), effects, options);
  engine.on_message(Source::device("lux1"), reading(40000));
  clock.now = std::chrono::system_clock::time_point(std::chrono::seconds(1'780'315'200));  // NTP synced
  engine.tick();
  CHECK(effects.commands.empty());
  clock.advance(15min);
  engine.tick();
  CHECK(effects.commands.size() == 1);
}
