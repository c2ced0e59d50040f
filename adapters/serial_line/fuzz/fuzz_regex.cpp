// Fuzzes the regex line parser with a fixed pattern, and the named-group
// translation with the input as a pattern. Inputs are capped at max_line's
// default (1024 bytes): libstdc++'s std::regex recurses per character.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "serial_line/line_parser.hpp"

using edgebridge::serial_line::FieldType;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1024) return 0;
  static std::string why;
  static const auto parser = edgebridge::serial_line::make_regex_parser(
      R"(^T=(?<temperature>[-+]?\d+(\.\d+)?)C(?: H=(?<humidity>\d+)%)?(?: (?<unit>[A-Z]+))?)",
      {{"humidity", FieldType::integer}, {"unit", FieldType::string}}, why);
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto r = parser->parse(line);
  if (r.kind == edgebridge::serial_line::LineResult::Kind::reading)
    (void)r.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::vector<std::string> names;
  std::string problem;
  (void)edgebridge::serial_line::translate_named_groups(line, names, problem);
  return 0;
}
