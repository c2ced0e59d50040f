#pragma once
// Turns one line from a serial device into a JSON reading. Each parser is
// built (and its configuration checked) at start-up; parse() is const,
// thread-safe and never throws, whatever bytes the line holds.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "field_type.hpp"

namespace edgebridge {

struct LineResult {
  enum class Kind { reading, ignored, bad };
  Kind kind = Kind::bad;
  nlohmann::json value;  // reading: a JSON object
  std::string error;     // bad: "checksum" | "parse"
  std::string message;   // bad: a sentence for people

  static LineResult reading(nlohmann::json v) { return {Kind::reading, std::move(v), {}, {}}; }
  static LineResult ignored() { return {Kind::ignored, nullptr, {}, {}}; }
  static LineResult bad(std::string error, std::string message) {
    return {Kind::bad, nullptr, std::move(error), std::move(message)};
  }
};

class LineParser {
 public:
  virtual ~LineParser() = default;
  virtual LineResult parse(const std::string& line) const = 0;
};

// raw: {"line": "<the line>"}
std::shared_ptr<const LineParser> make_raw_parser();

// json: the line is a JSON value; an object is the reading, anything else
// becomes {"value": ...}.
std::shared_ptr<const LineParser> make_json_parser();

// csv: `columns` in order; exactly that many fields per line. Fields may be
// double-quoted ("a,b", "" for a quote); spaces around fields are trimmed.
std::shared_ptr<const LineParser> make_csv_parser(std::vector<Field> columns, char separator);

// regex: ECMAScript syntax with named groups (?<name>...), which std::regex
// lacks: the names are translated to group numbers at start-up. The first
// match anywhere in the line counts (anchor with ^...$ for the whole line).
// A group that did not take part in the match is left out. `types` gives
// each name's type (default number). Returns null and `why` on a bad pattern.
std::shared_ptr<const LineParser> make_regex_parser(const std::string& pattern, const std::vector<Field>& types,
                                                    std::string& why, std::vector<std::string>* group_names = nullptr);

// The named-group translation on its own: "(?<t>\d+)" → "(\d+)", names[1] = "t".
// Also accepts (?P<name>...) and turns \k<name> into \N. names[0] is unused;
// unnamed groups get an empty name. Returns nullopt and `why` on a bad name.
std::optional<std::string> translate_named_groups(const std::string& pattern, std::vector<std::string>& names,
                                                  std::string& why);

// nmea: "$GPGGA,...*hh". The checksum is verified (a sentence without one is
// bad unless `require_checksum` is false). `sentences` lists the types to
// publish (e.g. GGA, RMC, GSV); others are ignored. GGA and RMC are decoded
// (lat/lon in degrees, fix, satellites, altitude, speed, course, time); other
// types are published as {"type", "talker", "fields": [...]}.
std::shared_ptr<const LineParser> make_nmea_parser(std::vector<std::string> sentences, bool require_checksum);

// Line text for reports: printable, at most `max` bytes, with "..." when cut.
std::string printable_excerpt(const std::string& line, std::size_t max = 120);

}  // namespace edgebridge
