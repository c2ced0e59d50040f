#pragma once
// A value of the AWS IoT SQL (2016-03-23) type system: Undefined, Null,
// Boolean, Int, Decimal, String, Array, Object.
//
// Undefined is "not a value": a JSON key that is missing, a function given
// arguments it cannot use, a comparison with Undefined. It is never an error.
// Arrays and objects read from a payload are borrowed (a pointer into the
// parsed payload, valid while that payload lives); computed ones are owned.
// Ints are 64-bit; Decimals are doubles (AWS keeps 34 digits; the edge keeps
// what a double holds, which covers sensor readings).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edgebridge::rules {

class Value {
 public:
  enum class Kind { undefined, null, boolean, integer, decimal, string, array, object };

  Value() = default;  // Undefined
  static Value null();
  static Value boolean(bool b);
  static Value integer(std::int64_t i);
  // A Decimal; NaN and infinities are Undefined. A whole number that fits an
  // Int becomes an Int, as the 2016-03-23 dialect does (10.0 is processed as 10).
  static Value number(double d);
  static Value string(std::string s);
  // Scalars are copied; arrays and objects are borrowed from `j`.
  static Value borrow(const nlohmann::json& j);
  // Arrays and objects are owned; scalars are converted as by borrow().
  static Value own(nlohmann::json j);
  // `child`, an element of this array or object, held the way this one is
  // (borrowed, or sharing ownership of the owned container).
  Value element(const nlohmann::json& child) const;

  Kind kind() const { return kind_; }
  bool undefined() const { return kind_ == Kind::undefined; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_number() const { return kind_ == Kind::integer || kind_ == Kind::decimal; }

  bool as_bool() const { return b_; }
  std::int64_t as_int() const { return i_; }
  double as_decimal() const { return kind_ == Kind::integer ? static_cast<double>(i_) : d_; }
  const std::string& as_string() const { return s_; }
  // The array or object (only for those kinds).
  const nlohmann::json& as_json() const { return ref_ ? *ref_ : *owned_; }

  // The value as JSON (Undefined gives a discarded json; check first).
  nlohmann::json to_json() const;

 private:
  Kind kind_ = Kind::undefined;
  bool b_ = false;
  std::int64_t i_ = 0;
  double d_ = 0.0;
  std::string s_;
  const nlohmann::json* ref_ = nullptr;
  std::shared_ptr<const nlohmann::json> owned_;
};

const char* to_string(Value::Kind kind);

// AWS IoT's "Conversions" table (the implicit conversions functions and
// operators apply). nullopt / Undefined where the table says Undefined.

// Int, Decimal, or a String matching ^-?\d+(\.\d+)?([eE]-?\d+)?$.
std::optional<double> to_decimal(const Value& v);
// Like to_decimal, but an Int stays exact.
bool is_numeric(const Value& v);
// Boolean, or the strings "true"/"false" (any case).
std::optional<bool> to_boolean(const Value& v);
// The standard conversion to String: numbers in plain notation, booleans
// lowercase, arrays and objects as JSON. Null and Undefined have none.
std::optional<std::string> to_text(const Value& v);
// Parses the AWS numeric-string form; false if `text` is not one.
bool parse_numeric_string(std::string_view text, double& out);

// Value equality as the `=` operator defines it (Int and Decimal compare by
// value; mismatched types are unequal). Both must be defined.
bool values_equal(const Value& a, const Value& b);

// A short rendering for `rules test` output and logs: JSON, or "undefined".
std::string describe(const Value& v);

}  // namespace edgebridge::rules
