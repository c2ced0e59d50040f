#include "serial_line/field_type.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace edgebridge::serial_line {

const char* to_string(FieldType t) {
  switch (t) {
    case FieldType::number: return "number";
    case FieldType::integer: return "integer";
    case FieldType::string: return "string";
    case FieldType::boolean: return "boolean";
    case FieldType::skip: return "skip";
  }
  return "?";
}

const std::vector<std::string>& field_type_names() {
  static const std::vector<std::string> names = {"number", "integer", "string", "boolean", "skip"};
  return names;
}

std::optional<FieldType> parse_field_type(const std::string& text) {
  for (auto t : {FieldType::number, FieldType::integer, FieldType::string, FieldType::boolean, FieldType::skip})
    if (text == to_string(t)) return t;
  return std::nullopt;
}

bool convert_field(const std::string& text, FieldType type, nlohmann::json& out, std::string& why) {
  if (type == FieldType::string) {
    out = text;
    return true;
  }
  if (text.empty()) {
    out = nullptr;
    return true;
  }
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (*first == '+' && type != FieldType::boolean) ++first;
  auto shown = [&] { return "\"" + (text.size() > 32 ? text.substr(0, 32) + "..." : text) + "\""; };
  switch (type) {
    case FieldType::number: {
      double v = 0;
      auto [end, ec] = std::from_chars(first, last, v);
      if (ec != std::errc() || end != last || !std::isfinite(v) || first == last) {
        why = shown() + " is not a number";
        return false;
      }
      out = v;
      return true;
    }
    case FieldType::integer: {
      long long v = 0;
      auto [end, ec] = std::from_chars(first, last, v);
      if (ec != std::errc() || end != last || first == last) {
        why = shown() + " is not a whole number";
        return false;
      }
      out = v;
      return true;
    }
    case FieldType::boolean: {
      std::string lower = text;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") {
        out = true;
        return true;
      }
      if (lower == "false" || lower == "0" || lower == "no" || lower == "off") {
        out = false;
        return true;
      }
      why = shown() + " is not a boolean (true/false, 1/0, yes/no, on/off)";
      return false;
    }
    case FieldType::string:
    case FieldType::skip: break;
  }
  out = nullptr;
  return true;
}

std::string field_name_problem(const std::string& name) {
  if (name.empty()) return "a field name must not be empty";
  if (name == "ts") return "\"ts\" is added by the gateway (the time the line arrived); name the field differently";
  const bool ok = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
  if (!ok) return "\"" + name + "\" is not a valid field name; use letters, digits, '_', '-' or '.'";
  return {};
}

}  // namespace edgebridge::serial_line
