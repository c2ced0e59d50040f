// The shadow state kept in the outbox database (shadow_state table): what a
// restart finds, next to an outbox that keeps working in the same file.
#include <catch2/catch.hpp>

#include "outbox/outbox.hpp"
#include "outbox_test_support.hpp"
#include "shadow/shadow_store.hpp"

using namespace edgebridge;
using edgebridge::test::ScratchDir;

namespace {

ShadowRecord record(const std::string& device, double temperature) {
  ShadowRecord r;
  r.device = device;
  r.remote = "ops";
  r.thing = "gw1-" + device;
  r.reported = {{"temperature", temperature}, {"setpoint", 21.0}};
  r.pending = nlohmann::json::array({"temperature"});
  r.errors = {{"setpoint", "45 is outside the allowed range 5 to 30 for \"setpoint\""}};
  r.desired = {{"setpoint", 45}};
  r.version = 7;
  r.delta_version = 6;
  return r;
}

}  // namespace

TEST_CASE("saved shadow records survive a restart; only the latest save of a device is kept", "[shadow]") {
  ScratchDir dir;
  const std::string path = dir.file("outbox.db");
  {
    ShadowStore store(path);
    CHECK(store.load().empty());
    for (int i = 0; i < 20; ++i) store.save(record("climate1", 20.0 + i));
    store.save(record("climate2", 5.0));
    store.flush();
    // Read by another connection while the writer is open (edgebridge shadow show).
    const auto seen = read_shadow_records(path);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].reported["temperature"] == 39.0);
  }
  ShadowStore again(path);
  auto loaded = again.load();
  REQUIRE(loaded.size() == 2);
  CHECK(loaded[0].device == "climate1");
  CHECK(loaded[0].pending == nlohmann::json::array({"temperature"}));
  CHECK(loaded[0].errors["setpoint"].is_string());
  CHECK(loaded[0].desired == nlohmann::json{{"setpoint", 45}});
  CHECK(loaded[0].version == 7);
  CHECK(loaded[0].delta_version == 6);
  again.remove("climate2");
  again.flush();
  CHECK(read_shadow_records(path).size() == 1);
}

TEST_CASE("the shadow table shares the outbox's file without disturbing its queues", "[shadow]") {
  ScratchDir dir;
  OutboxOptions options;
  options.path = dir.file("outbox.db");
  {
    OutboxStore outbox(options);
    ShadowStore shadows(options.path);
    shadows.save(record("climate1", 21.0));
    shadows.flush();
  }
  OutboxStore reopened(options);
  CHECK(reopened.quarantined_path().empty());
  CHECK(read_shadow_records(options.path).size() == 1);
}
