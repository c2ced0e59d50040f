#include "rules/sql_functions.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

namespace edgebridge::rules {

namespace {

// A numeric argument (Int, Decimal, or a numeric String) rounded by `op`.
template <typename Op>
Value rounded(const Value& v, Op op) {
  if (v.kind() == Value::Kind::integer) return v;
  auto d = to_decimal(v);
  if (!d) return Value();
  return Value::number(op(*d));
}

Value absolute(const Value& v) {
  if (v.kind() == Value::Kind::integer) {
    if (v.as_int() == std::numeric_limits<std::int64_t>::min()) return Value::number(-v.as_decimal());
    return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  auto d = to_decimal(v);
  if (!d) return Value();
  return Value::number(std::fabs(*d));
}

Value change_case(const Value& v, bool upper) {
  auto text = to_text(v);
  if (!text) return Value();
  for (auto& c : *text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) c = static_cast<char>(upper ? std::toupper(u) : std::tolower(u));
  }
  return Value::string(std::move(*text));
}

Value topic_of(const std::vector<Value>& args, const EvalInput& input) {
  if (args.empty()) return Value::string(input.topic());
  auto n = to_decimal(args[0]);
  if (!n || *n < 1 || *n > 65535) return Value();
  const std::string* level = input.topic_level(static_cast<std::int64_t>(std::floor(*n)));
  return level ? Value::string(*level) : Value();
}

Value concat(const std::vector<Value>& args) {
  if (args.empty()) return Value();
  if (args.size() == 1) return args[0];
  bool any_array = false;
  bool any_string = false;
  for (const auto& a : args) {
    if (a.undefined()) return Value();
    any_array = any_array || a.kind() == Value::Kind::array;
    any_string = any_string || a.kind() == Value::Kind::string;
  }
  if (any_array) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : args) {
      if (a.kind() == Value::Kind::array)
        for (const auto& item : a.as_json()) out.push_back(item);
      else
        out.push_back(a.to_json());
    }
    return Value::own(std::move(out));
  }
  if (!any_string) return Value();
  std::string out;
  for (const auto& a : args) {
    auto text = to_text(a);
    if (!text) return Value();
    out += *text;
  }
  return Value::string(std::move(out));
}

Value coalesce(const std::vector<Value>& args) {
  bool saw_null = false;
  for (const auto& a : args) {
    if (a.is_null()) saw_null = true;
    else if (!a.undefined()) return a;
  }
  return saw_null ? Value::null() : Value();
}

}  // namespace

Value call_builtin(Builtin function, const std::vector<Value>& args, const EvalInput& input) {
  switch (function) {
    case Builtin::topic: return topic_of(args, input);
    case Builtin::timestamp: return Value::integer(input.timestamp_ms);
    case Builtin::clientid: return input.client_id ? Value::string(*input.client_id) : Value();
    case Builtin::abs: return absolute(args[0]);
    case Builtin::round: return rounded(args[0], [](double d) { return std::round(d); });
    case Builtin::floor: return rounded(args[0], [](double d) { return std::floor(d); });
    case Builtin::ceil: return rounded(args[0], [](double d) { return std::ceil(d); });
    case Builtin::coalesce: return coalesce(args);
    case Builtin::concat: return concat(args);
    case Builtin::lower: return change_case(args[0], false);
    case Builtin::upper: return change_case(args[0], true);
    case Builtin::newuuid: return Value::string(input.new_uuid ? input.new_uuid() : random_uuid());
    case Builtin::is_null: return Value::boolean(args[0].is_null());
    case Builtin::is_undefined: return Value::boolean(args[0].undefined());
  }
  return Value();
}

Value cast_value(const Value& v, CastType type) {
  using K = Value::Kind;
  switch (type) {
    case CastType::integer:
      if (v.kind() == K::integer) return v;
      if (v.kind() == K::boolean) return Value::integer(v.as_bool() ? 1 : 0);
      if (auto d = to_decimal(v)) return Value::number(std::floor(*d));  // rounded down
      return Value();
    case CastType::decimal:
      if (v.kind() == K::boolean) return Value::integer(v.as_bool() ? 1 : 0);  // 1.0 is an Int in 2016-03-23
      if (auto d = to_decimal(v)) return v.kind() == K::integer ? v : Value::number(*d);
      return Value();
    case CastType::string:
      if (auto text = to_text(v)) return Value::string(std::move(*text));
      return Value();
    case CastType::boolean:
      if (v.is_number()) return Value::boolean(v.as_decimal() != 0.0);
      if (auto b = to_boolean(v)) return Value::boolean(*b);
      return Value();
  }
  return Value();
}

}  // namespace edgebridge::rules
