// Fuzzes the NMEA line parser: any bytes give a reading, "ignored" or a bad
// line with a reason; never a crash, a hang or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "line_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto strict = edgebridge::make_nmea_parser({"GGA", "RMC", "GSV"}, true);
  static const auto lenient = edgebridge::make_nmea_parser({"GGA", "RMC"}, false);
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto a = strict->parse(line);
  auto b = lenient->parse(line);
  if (a.kind == edgebridge::LineResult::Kind::reading) (void)a.value.dump();
  if (b.kind == edgebridge::LineResult::Kind::reading) (void)b.value.dump();
  return 0;
}
