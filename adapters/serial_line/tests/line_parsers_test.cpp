// The serial line parsers: raw, json, csv, regex, nmea.
#include <catch2/catch.hpp>

#include "serial_line/line_parser.hpp"

using namespace edgebridge;
using namespace edgebridge::serial_line;
using Kind = LineResult::Kind;

namespace {

nlohmann::json reading(const LineParser& p, const std::string& line) {
  LineResult r = p.parse(line);
  INFO(line << " -> " << r.message);
  REQUIRE(r.kind == Kind::reading);
  return r.value;
}

LineResult bad(const LineParser& p, const std::string& line) {
  LineResult r = p.parse(line);
  INFO(line);
  CHECK(r.kind == Kind::bad);
  return r;
}

}  // namespace

TEST_CASE("raw publishes the line as it is", "[serial][parser]") {
  CHECK(reading(*make_raw_parser(), "W 12.5 kg") == nlohmann::json{{"line", "W 12.5 kg"}});
}

TEST_CASE("json passes objects through and wraps other values", "[serial][parser]") {
  auto p = make_json_parser();
  CHECK(reading(*p, R"({"t":21.5,"rh":40})") == nlohmann::json{{"t", 21.5}, {"rh", 40}});
  CHECK(reading(*p, "42") == nlohmann::json{{"value", 42}});
  CHECK(bad(*p, R"({"t":21.5)").message.find("not valid JSON") != std::string::npos);
}

TEST_CASE("csv maps columns to typed fields", "[serial][parser]") {
  auto p = make_csv_parser({{"station", FieldType::string},
                            {"temperature", FieldType::number},
                            {"humidity", FieldType::integer},
                            {"raining", FieldType::boolean},
                            {"checksum", FieldType::skip}},
                           ',');
  CHECK(reading(*p, "north, +21.5 ,40,yes,ab") ==
        nlohmann::json{{"station", "north"}, {"temperature", 21.5}, {"humidity", 40}, {"raining", true}});
  CHECK(reading(*p, R"("north, gate",-3.25,,0,x)") ==
        nlohmann::json{{"station", "north, gate"}, {"temperature", -3.25}, {"humidity", nullptr}, {"raining", false}});
  CHECK(reading(*p, R"("say ""hi""",1,2,off,)")["station"] == "say \"hi\"");
  CHECK_THAT(bad(*p, "north,21.5,40,yes").message, Catch::Contains("expected 5 fields, the line has 4"));
  CHECK_THAT(bad(*p, "north,warm,40,yes,x").message,
             Catch::Contains("column temperature") && Catch::Contains("not a number"));
  CHECK_THAT(bad(*p, "north,21.5,40.5,yes,x").message, Catch::Contains("not a whole number"));
  CHECK_THAT(bad(*p, "north,21.5,40,maybe,x").message, Catch::Contains("not a boolean"));
  CHECK_THAT(bad(*p, "north,nan,40,yes,x").message, Catch::Contains("not a number"));
  CHECK_THAT(bad(*p, R"("north,21.5,40,yes,x)").message, Catch::Contains("not closed"));
}

TEST_CASE("csv with another separator", "[serial][parser]") {
  auto p = make_csv_parser({{"a", FieldType::number}, {"b", FieldType::number}}, ';');
  CHECK(bad(*p, "1,5;2").message.find("not a number") != std::string::npos);
  CHECK(reading(*p, "1.5;2") == nlohmann::json{{"a", 1.5}, {"b", 2}});
}

TEST_CASE("regex named groups become typed fields", "[serial][parser]") {
  std::string why;
  auto p = make_regex_parser(R"(^T=(?<temperature>-?\d+(\.\d+)?)C H=(?<humidity>\d+)% (?<unit>[A-Z]+)$)",
                             {{"humidity", FieldType::integer}, {"unit", FieldType::string}}, why);
  INFO(why);
  REQUIRE(p);
  CHECK(reading(*p, "T=-4.5C H=81% ST") == nlohmann::json{{"temperature", -4.5}, {"humidity", 81}, {"unit", "ST"}});
  CHECK_THAT(bad(*p, "T=abc").message, Catch::Contains("does not match"));
}

TEST_CASE("regex: a group that did not take part is left out; the match may be anywhere", "[serial][parser]") {
  std::string why;
  auto p = make_regex_parser(R"(W(?<weight>[0-9.]+)(?:kg)?(?: (?<flag>S))?)", {{"flag", FieldType::string}}, why);
  REQUIRE(p);
  CHECK(reading(*p, "scale: W12.5kg") == nlohmann::json{{"weight", 12.5}});
  CHECK(reading(*p, "W12.5kg S") == nlohmann::json{{"weight", 12.5}, {"flag", "S"}});
}

TEST_CASE("named groups translate to numbered ones", "[serial][parser]") {
  std::vector<std::string> names;
  std::string why;
  CHECK(translate_named_groups(R"((?<a>x)(y)[(?<z>](?P<b>\()\k<a>)", names, why) ==
        std::string(R"((x)(y)[(?<z>](\()\1)"));
  CHECK(names == std::vector<std::string>{"", "a", "", "b"});
  CHECK_FALSE(translate_named_groups("(?<1a>x)", names, why));
  CHECK_FALSE(translate_named_groups("(?<a>x)(?<a>y)", names, why));
  CHECK_THAT(why, Catch::Contains("used twice"));
  CHECK_FALSE(translate_named_groups(R"(\k<nope>)", names, why));
}

TEST_CASE("regex patterns are checked when the configuration is loaded", "[serial][parser]") {
  std::string why;
  CHECK_FALSE(make_regex_parser("(?<t>[0-9", {}, why));
  CHECK_THAT(why, Catch::Contains("not a valid regular expression"));
  CHECK_FALSE(make_regex_parser(R"(\d+)", {}, why));
  CHECK_THAT(why, Catch::Contains("no named groups"));
  CHECK_FALSE(make_regex_parser(R"((?<t>\d+))", {{"temp", FieldType::number}}, why));
  CHECK_THAT(why, Catch::Contains("not a named group"));
}

TEST_CASE("nmea GGA is decoded into position, fix, satellites and altitude", "[serial][parser][nmea]") {
  auto p = make_nmea_parser({"GGA", "RMC"}, true);
  auto v = reading(*p, "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47");
  CHECK(v == nlohmann::json{{"type", "GGA"},
                            {"talker", "GP"},
                            {"time", "12:35:19"},
                            {"lat", 48.1173},
                            {"lon", 11.5166667},
                            {"fix_quality", 1},
                            {"fix", true},
                            {"satellites", 8},
                            {"hdop", 0.9},
                            {"altitude_m", 545.4},
                            {"geoid_separation_m", 46.9}});
}

TEST_CASE("nmea GGA without a fix has no position", "[serial][parser][nmea]") {
  auto p = make_nmea_parser({"GGA"}, true);
  auto v = reading(*p, "$GNGGA,001043.00,,,,,0,00,99.99,,,,,,*7E");
  CHECK(v["fix"] == false);
  CHECK(v["satellites"] == 0);
  CHECK_FALSE(v.contains("lat"));
  CHECK(v["talker"] == "GN");
}

TEST_CASE("nmea RMC is decoded into time, date, speed and course", "[serial][parser][nmea]") {
  auto p = make_nmea_parser({"GGA", "RMC"}, true);
  auto v = reading(*p, "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A");
  CHECK(v["type"] == "RMC");
  CHECK(v["valid"] == true);
  CHECK(v["datetime"] == "1994-03-23T12:35:19Z");
  CHECK(v["lat"] == 48.1173);
  CHECK(v["speed_knots"] == 22.4);
  CHECK(v["speed_kmh"] == 41.485);
  CHECK(v["course_deg"] == 84.4);
  CHECK(v["magnetic_variation_deg"] == -3.1);
}

TEST_CASE("nmea checksums are verified", "[serial][parser][nmea]") {
  auto p = make_nmea_parser({"GGA"}, true);
  auto r = bad(*p, "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48");
  CHECK(r.error == "checksum");
  CHECK_THAT(r.message, Catch::Contains("says 48, its data gives 47"));
  CHECK(bad(*p, "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,").error == "checksum");
  CHECK(bad(*p, "$GPGGA,123519*4").error == "checksum");
  auto lenient = make_nmea_parser({"GGA"}, false);
  CHECK(reading(*lenient, "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")["fix"] == true);
}

TEST_CASE("nmea sentences not asked for are ignored; others are published raw", "[serial][parser][nmea]") {
  auto p = make_nmea_parser({"GGA", "GSA"}, true);
  CHECK(p->parse("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A").kind == Kind::ignored);
  auto v = reading(*p, "$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39");
  CHECK(v["type"] == "GSA");
  CHECK(v["fields"].size() == 17);
  CHECK(v["fields"][0] == "A");
}

TEST_CASE("nmea garbage is a parse error, never a crash", "[serial][parser][nmea]") {
  auto p = make_nmea_parser({"GGA", "RMC"}, false);
  CHECK(bad(*p, "GPGGA,1").error == "parse");
  CHECK(bad(*p, "$gpgga,1").error == "parse");
  CHECK(bad(*p, "$GPGGA,1,2").error == "parse");
  CHECK(bad(*p, "$GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,").error == "parse");
  CHECK(bad(*p, "$GPGGA,123519,9907.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,").error == "parse");
  CHECK(bad(*p, "$GPGGA,253519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,").error == "parse");
  CHECK(bad(*p, "$GPRMC,123519,X,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W").error == "parse");
  CHECK(bad(*p, "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,320394,003.1,W").error == "parse");
}
