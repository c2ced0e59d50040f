// Fuzzes the NMEA line parser: any bytes give a reading, "ignored" or a bad
// line with a reason; never a crash, a hang or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "serial_line/line_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto strict = edgebridge::serial_line::make_nmea_parser({"GGA", "RMC", "GSV"}, true);
  static const auto lenient = edgebridge::serial_line::make_nmea_parser({"GGA", "RMC"}, false);
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto a = strict->parse(line);
  auto b = lenient->parse(line);
  // As the device publishes it: bytes that are not UTF-8 become U+FFFD.
  for (const auto* r : {&a, &b})
    if (r->kind == edgebridge::serial_line::LineResult::Kind::reading)
      (void)r->value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
