#include "rules/value.hpp"

#include "core/json_text.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace edgebridge::rules {

namespace {

// 2^63 as a double: doubles at or above it do not fit an int64.
constexpr double kInt64Bound = 9223372036854775808.0;

}  // namespace

Value Value::null() {
  Value v;
  v.kind_ = Kind::null;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::boolean;
  v.b_ = b;
  return v;
}

Value Value::integer(std::int64_t i) {
  Value v;
  v.kind_ = Kind::integer;
  v.i_ = i;
  return v;
}

Value Value::number(double d) {
  if (!std::isfinite(d)) return Value();
  if (std::trunc(d) == d && d > -kInt64Bound && d < kInt64Bound) return integer(static_cast<std::int64_t>(d));
  Value v;
  v.kind_ = Kind::decimal;
  v.d_ = d;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::string;
  v.s_ = std::move(s);
  return v;
}

Value Value::borrow(const nlohmann::json& j) {
  using T = nlohmann::json::value_t;
  switch (j.type()) {
    case T::null: return null();
    case T::boolean: return boolean(j.get<bool>());
    case T::number_integer: return integer(j.get<std::int64_t>());
    case T::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return integer(static_cast<std::int64_t>(u));
      return number(static_cast<double>(u));
    }
    case T::number_float: return number(j.get<double>());
    case T::string: return string(j.get<std::string>());
    case T::array:
    case T::object: {
      Value v;
      v.kind_ = j.is_array() ? Kind::array : Kind::object;
      v.ref_ = &j;
      return v;
    }
    case T::binary:
    case T::discarded: break;
  }
  return Value();
}

Value Value::own(nlohmann::json j) {
  if (!j.is_array() && !j.is_object()) return borrow(j);
  Value v;
  v.kind_ = j.is_array() ? Kind::array : Kind::object;
  v.owned_ = std::make_shared<const nlohmann::json>(std::move(j));
  return v;
}

Value Value::element(const nlohmann::json& child) const {
  if (!child.is_array() && !child.is_object()) return borrow(child);
  Value v;
  v.kind_ = child.is_array() ? Kind::array : Kind::object;
  if (owned_)
    v.owned_ = std::shared_ptr<const nlohmann::json>(owned_, &child);
  else
    v.ref_ = &child;
  return v;
}

nlohmann::json Value::to_json() const {
  switch (kind_) {
    case Kind::undefined: return nlohmann::json(nlohmann::json::value_t::discarded);
    case Kind::null: return nullptr;
    case Kind::boolean: return b_;
    case Kind::integer: return i_;
    case Kind::decimal: return d_;
    case Kind::string: return s_;
    case Kind::array:
    case Kind::object: return as_json();
  }
  return nlohmann::json(nlohmann::json::value_t::discarded);
}

const char* to_string(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::undefined: return "Undefined";
    case Value::Kind::null: return "Null";
    case Value::Kind::boolean: return "Boolean";
    case Value::Kind::integer: return "Int";
    case Value::Kind::decimal: return "Decimal";
    case Value::Kind::string: return "String";
    case Value::Kind::array: return "Array";
    case Value::Kind::object: return "Object";
  }
  return "?";
}

bool parse_numeric_string(std::string_view text, double& out) {
  // ^-?\d+(\.\d+)?((?i)E-?\d+)?$ — the form AWS IoT converts automatically.
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    return i > start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (!digits()) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && text[i] == '-') ++i;
    if (!digits()) return false;
  }
  if (i != text.size()) return false;
  out = std::strtod(std::string(text).c_str(), nullptr);
  return true;
}

std::optional<double> to_decimal(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::integer: return static_cast<double>(v.as_int());
    case Value::Kind::decimal: return v.as_decimal();
    case Value::Kind::string: {
      double d = 0;
      if (parse_numeric_string(v.as_string(), d) && std::isfinite(d)) return d;
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

bool is_numeric(const Value& v) { return to_decimal(v).has_value(); }

std::optional<bool> to_boolean(const Value& v) {
  if (v.kind() == Value::Kind::boolean) return v.as_bool();
  if (v.kind() == Value::Kind::string) {
    std::string lower = v.as_string();
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "true") return true;
    if (lower == "false") return false;
  }
  return std::nullopt;
}

std::optional<std::string> to_text(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::undefined:
    case Value::Kind::null: return std::nullopt;
    case Value::Kind::boolean: return std::string(v.as_bool() ? "true" : "false");
    case Value::Kind::integer: return std::to_string(v.as_int());
    case Value::Kind::decimal: return dump_json(nlohmann::json(v.as_decimal()));
    case Value::Kind::string: return v.as_string();
    case Value::Kind::array:
    case Value::Kind::object: return dump_json(v.as_json());
  }
  return std::nullopt;
}

bool values_equal(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.kind() == K::integer && b.kind() == K::integer) return a.as_int() == b.as_int();
    return a.as_decimal() == b.as_decimal();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::null: return true;
    case K::boolean: return a.as_bool() == b.as_bool();
    case K::string: return a.as_string() == b.as_string();
    case K::array:
    case K::object: return a.as_json() == b.as_json();
    default: return false;
  }
}

std::string describe(const Value& v) {
  if (v.undefined()) return "undefined";
  return dump_json(v.to_json());
}

}  // namespace edgebridge::rules
