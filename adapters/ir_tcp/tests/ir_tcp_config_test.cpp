// `type: ir_tcp` entries in bridge.yaml: defaults, codes, codes_file, opposites.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "ir_tcp/ir_settings.hpp"
#include "ir_tcp/ir_tcp_kind.hpp"
#include "loader/loader.hpp"

using namespace edgebridge;
using namespace edgebridge::ir_tcp;

namespace {

LoadResult load(const std::string& yaml, const std::string& file = "bridge.yaml") {
  LoadOptions options;
  options.default_gateway_id = "unit-gw";
  options.check_files = false;
  return load_config_text(yaml, file, DeviceCatalog{ir_tcp::ir_tcp_kind()}, options);
}

const IrTcpSettings& ir_settings(const Config& c, std::size_t i = 0) {
  auto s = std::dynamic_pointer_cast<const IrTcpSettings>(c.devices.at(i).settings);
  REQUIRE(s);
  return *s;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("an ir_tcp device gets every documented default", "[ir][config]") {
  auto r = load(R"(
devices:
  - name: shade
    type: ir_tcp
    topic: cmd/greenhouse/shade
    host: 192.0.2.10
    codes: { close: "sendir,1:2,9,38000,1,1,343,171" }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& d = r.config->devices[0];
  CHECK(d.command_filters == std::vector<std::string>{"cmd/greenhouse/shade"});
  const auto& s = ir_settings(*r.config);
  CHECK(s.port == 4998);
  CHECK(s.result_topic == "cmd/greenhouse/shade/result");
  CHECK(s.min_interval == Duration(0));
  CHECK(s.hold == Duration(0));
  CHECK(s.ttl == Duration(60'000));
  CHECK(s.reply_timeout == Duration(2000));
  CHECK(s.connect_timeout == Duration(5000));
  CHECK(s.busy_retries == 5);
  CHECK(s.busy_delay == Duration(200));
  CHECK(s.busy_max_delay == Duration(2000));
  CHECK(s.max_queue == 16);
  CHECK(s.reconnect.min_delay == Duration(1000));
  CHECK(s.reconnect.max_delay == Duration(30'000));
  CHECK(s.opposite("open", "close"));
  CHECK(s.opposite("on", "off"));
  REQUIRE(s.find("close"));
  CHECK(s.find("close")->connector.text() == "1:2");
}

TEST_CASE("connector overrides the connector of every code, Pronto ones too", "[ir][config]") {
  auto r = load(R"(
devices:
  - name: ac
    type: ir_tcp
    topic: cmd/ac
    host: itach.local
    connector: "1:3"
    codes:
      on: "sendir,1:1,1,38000,1,1,343,171"
      off: "0000 006D 0001 0000 0156 00AB"
    opposites: [[on, off]]
    hold: 10m
    min_interval: 3m
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& s = ir_settings(*r.config);
  CHECK(s.find("on")->connector.text() == "1:3");
  CHECK(s.find("off")->connector.text() == "1:3");
  CHECK(s.opposites.size() == 1);
  CHECK(s.hold == Duration(600'000));
  CHECK(s.min_interval == Duration(180'000));
}

TEST_CASE("codes load from a codes_file; its errors name that file's line and column", "[ir][config]") {
  char dir[] = "/tmp/edgebridge-ir-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string codes = std::string(dir) + "/learned.yaml";
  {
    std::ofstream out(codes);
    out << "# learned with iLearn\n"
           "open: sendir,1:1,1,38000,1,1,343,171\n"
           "close: sendir,1:1,1,38000,1,1,343,171,21\n";
  }
  const std::string bridge = std::string(dir) + "/bridge.yaml";
  auto r = load(R"(
devices:
  - { name: shade, type: ir_tcp, topic: cmd/shade, host: h, codes_file: learned.yaml }
)",
                bridge);
  CHECK_FALSE(r.config);
  CHECK_THAT(r.diagnostics.format_all(),
             Catch::Contains(codes + ":3:8: error: codes.close: the code has 3 on/off values"));
  {
    std::ofstream out(codes);
    out << "open: sendir,1:1,1,38000,1,1,343,171\n";
  }
  auto ok = load(R"(
devices:
  - { name: shade, type: ir_tcp, topic: cmd/shade, host: h, codes_file: learned.yaml,
      codes: { close: "sendir,1:1,1,38000,1,1,343,172" } }
)",
                 bridge);
  INFO(ok.diagnostics.format_all());
  REQUIRE(ok.config);
  CHECK(ir_settings(*ok.config).code_names() == "close, open");
  unlink(codes.c_str());
  rmdir(dir);
}

TEST_CASE("the annotated ir_tcp sample loads without errors", "[ir][config]") {
  auto r = load(slurp(EDGEBRIDGE_SOURCE_DIR "/adapters/ir_tcp/sample.yaml"));
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& s = ir_settings(*r.config);
  CHECK(s.min_interval == Duration(15 * 60'000));
  CHECK(s.find("close")->offset == 5);  // Pronto once + repeat: repeats start at pair 3
}
