// Fuzzes the csv line parser (quotes, separators, every field type).
#include <cstddef>
#include <cstdint>
#include <string>

#include "serial_line/line_parser.hpp"

using edgebridge::serial_line::FieldType;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto parser = edgebridge::serial_line::make_csv_parser({{"station", FieldType::string},
                                                                       {"temperature", FieldType::number},
                                                                       {"humidity", FieldType::integer},
                                                                       {"raining", FieldType::boolean},
                                                                       {"crc", FieldType::skip}},
                                                                      ',');
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto r = parser->parse(line);
  if (r.kind == edgebridge::serial_line::LineResult::Kind::reading)
    (void)r.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
