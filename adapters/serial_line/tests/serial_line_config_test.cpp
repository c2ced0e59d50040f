// `type: serial_line` entries in bridge.yaml: defaults and each parser's keys.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "loader/loader.hpp"
#include "serial_line/serial_line_kind.hpp"
#include "serial_line/serial_line_settings.hpp"

using namespace edgebridge;
using namespace edgebridge::serial_line;

namespace {

LoadResult load(const std::string& yaml) {
  LoadOptions options;
  options.default_gateway_id = "unit-gw";
  options.check_files = false;
  return load_config_text(yaml, "bridge.yaml", DeviceCatalog{serial_line::serial_line_kind()}, options);
}

std::shared_ptr<const SerialLineSettings> settings_of(const Config& c) {
  auto s = std::dynamic_pointer_cast<const SerialLineSettings>(c.devices.at(0).settings);
  REQUIRE(s);
  return s;
}

}  // namespace

TEST_CASE("a serial_line device gets every documented default", "[serial][config]") {
  auto r = load(R"(
devices:
  - { name: scale, type: serial_line, topic: sensors/scale, port: /dev/ttyUSB0 }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  auto s = settings_of(*r.config);
  CHECK(s->serial.text() == "9600 8N1");
  CHECK(s->delimiter == "\n");
  CHECK(s->max_line == 1024);
  CHECK(s->trim);
  CHECK(s->parser_name == "raw");
  CHECK(s->qos == 1);
  CHECK_FALSE(s->retain);
  CHECK_FALSE(s->writable);
  CHECK(s->write_ending == "\r\n");
  CHECK(s->ttl == Duration(60'000));
  CHECK(s->max_error_reports.per_second == 5.0);
  CHECK(s->error_topic == "sensors/scale/error");
  CHECK(s->write_result_topic == "sensors/scale/write/result");
  CHECK(r.config->devices[0].command_filters == std::vector<std::string>{"sensors/scale/write"});
}

TEST_CASE("serial settings, delimiter escapes and the nmea parser", "[serial][config]") {
  auto r = load(R"(
devices:
  - name: gps
    type: serial_line
    topic: sensors/gps
    port: /dev/serial/by-id/usb-u-blox
    serial: { baud: 4800, parity: E, data_bits: 7, stop_bits: 2 }
    delimiter: '\r\n'
    parser: nmea
    sentences: [GGA, RMC, GSV]
    writable: true
    write_allow: [PUBX]
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  auto s = settings_of(*r.config);
  CHECK(s->serial.text() == "4800 7E2");
  CHECK(s->delimiter == "\r\n");
  CHECK(s->parser->parse("$GPGSV,1*XX").kind == LineResult::Kind::bad);
  CHECK(s->write_allow == std::vector<std::string>{"PUBX"});
}

TEST_CASE("delimiter escapes", "[serial][config]") {
  std::string why;
  CHECK(unescape_delimiter(R"(\r\n)", why) == std::string("\r\n"));
  CHECK(unescape_delimiter(R"(\x03)", why) == std::string("\x03"));
  CHECK(unescape_delimiter(";", why) == std::string(";"));
  CHECK_FALSE(unescape_delimiter(R"(\q)", why));
  CHECK_FALSE(unescape_delimiter(R"(\x0)", why));
  CHECK_FALSE(unescape_delimiter("\\", why));
}

TEST_CASE("csv columns may be plain names (numbers) or typed", "[serial][config]") {
  auto r = load(R"(
devices:
  - name: meter
    type: serial_line
    topic: sensors/meter
    port: /dev/ttyS0
    parser: csv
    separator: ";"
    columns: [voltage, { name: state, type: string }]
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  auto v = settings_of(*r.config)->parser->parse("230.1;ok");
  REQUIRE(v.kind == LineResult::Kind::reading);
  CHECK(v.value == nlohmann::json{{"voltage", 230.1}, {"state", "ok"}});
}

TEST_CASE("the annotated serial_line sample loads without errors", "[serial][config]") {
  std::ifstream in(EDGEBRIDGE_SOURCE_DIR "/adapters/serial_line/sample.yaml");
  std::stringstream text;
  text << in.rdbuf();
  auto r = load(text.str());
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  auto v = settings_of(*r.config)->parser->parse("north,21.5,40,x");
  REQUIRE(v.kind == LineResult::Kind::reading);
  CHECK(v.value == nlohmann::json{{"station", "north"}, {"temperature", 21.5}, {"humidity", 40}});
}
