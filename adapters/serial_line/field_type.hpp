#pragma once
// Typed fields of a parsed line (csv columns, regex groups).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgebridge::serial_line {

enum class FieldType { number, integer, string, boolean, skip };

const char* to_string(FieldType t);
// "number" | "integer" | "string" | "boolean" | "skip"
std::optional<FieldType> parse_field_type(const std::string& text);
const std::vector<std::string>& field_type_names();

struct Field {
  std::string name;
  FieldType type = FieldType::number;
};

// `text` (already trimmed) as JSON of `type`. An empty text is null (a sensor
// that left a value out), except for strings. A number may have a leading '+'.
// Infinity and NaN are refused: JSON cannot carry them.
bool convert_field(const std::string& text, FieldType type, nlohmann::json& out, std::string& why);

// Names published as JSON keys: letters, digits, '_', '-', '.', not "ts".
std::string field_name_problem(const std::string& name);

}  // namespace edgebridge::serial_line
