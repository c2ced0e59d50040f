// raw and json parsers, and printable_excerpt.
#include <cctype>

#include "core/json_limits.hpp"
#include "serial_line/line_parser.hpp"

namespace edgebridge::serial_line {

std::string printable_excerpt(const std::string& line, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < line.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (line.size() > max) out += "...";
  return out;
}

namespace {

class RawParser final : public LineParser {
 public:
  LineResult parse(const std::string& line) const override {
    return LineResult::reading(nlohmann::json{{"line", line}});
  }
};

class JsonParser final : public LineParser {
 public:
  LineResult parse(const std::string& line) const override {
    // Bounded: a line nested deeper than kPayloadJsonLimits is refused unparsed
    // (printing the reading or freeing it would recurse once per level).
    BoundedJson parsed = parse_json_bounded(line);
    if (parsed.refused) return LineResult::bad("parse", "the line was not parsed: " + parsed.error);
    if (!parsed.ok())
      return LineResult::bad("parse", "the line is not valid JSON: \"" + printable_excerpt(line, 60) + "\"");
    nlohmann::json j = std::move(parsed.value);
    if (j.is_object()) return LineResult::reading(std::move(j));
    return LineResult::reading(nlohmann::json{{"value", std::move(j)}});
  }
};

}  // namespace

std::shared_ptr<const LineParser> make_raw_parser() { return std::make_shared<RawParser>(); }
std::shared_ptr<const LineParser> make_json_parser() { return std::make_shared<JsonParser>(); }

}  // namespace edgebridge::serial_line
