#include "rules/sql_eval.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>

#include "core/json_limits.hpp"
#include "core/json_text.hpp"
#include "rules/sql_functions.hpp"

namespace edgebridge::rules {

namespace {

using K = Value::Kind;

Value lookup(const Value& base, const std::string& key) {
  if (base.kind() != K::object) return Value();
  const auto& obj = base.as_json();
  auto it = obj.find(key);
  return it == obj.end() ? Value() : base.element(*it);
}

Value index(const Value& base, const Value& at) {
  if (base.kind() == K::object && at.kind() == K::string) return lookup(base, at.as_string());
  if (base.kind() != K::array) return Value();
  auto d = to_decimal(at);
  if (!d || *d < 0) return Value();
  const double i = std::floor(*d);
  const auto& arr = base.as_json();
  if (i >= static_cast<double>(arr.size())) return Value();
  return base.element(arr[static_cast<std::size_t>(i)]);
}

Value negate(const Value& v) {
  if (v.kind() == K::integer && v.as_int() != std::numeric_limits<std::int64_t>::min())
    return Value::integer(-v.as_int());
  auto d = to_decimal(v);
  return d ? Value::number(-*d) : Value();
}

// Int op Int, exactly; nullopt when the result does not fit (then Decimal).
std::optional<Value> integer_arith(BinaryOp op, std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  switch (op) {
    case BinaryOp::add:
      if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
      return Value::integer(r);
    case BinaryOp::sub:
      if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
      return Value::integer(r);
    case BinaryOp::mul:
      if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
      return Value::integer(r);
    case BinaryOp::div:
      if (b == 0) return Value();
      if (a == std::numeric_limits<std::int64_t>::min() && b == -1) return std::nullopt;
      return Value::integer(a / b);  // truncates toward zero
    case BinaryOp::mod:
      if (b == 0) return Value();
      if (b == -1) return Value::integer(0);
      return Value::integer(a % b);
    default: return Value();
  }
}

Value arithmetic(BinaryOp op, const Value& a, const Value& b) {
  if (a.undefined() || b.undefined()) return Value();
  // "+" with a String operand concatenates the other operand's string form.
  if (op == BinaryOp::add && (a.kind() == K::string || b.kind() == K::string)) {
    auto left = to_text(a);
    auto right = to_text(b);
    if (!left || !right) return Value();
    return Value::string(*left + *right);
  }
  if (a.kind() == K::integer && b.kind() == K::integer)
    if (auto exact = integer_arith(op, a.as_int(), b.as_int())) return *exact;
  // "+" adds numbers only; the others also convert numeric strings.
  if (op == BinaryOp::add && !(a.is_number() && b.is_number())) return Value();
  auto x = to_decimal(a);
  auto y = to_decimal(b);
  if (!x || !y) return Value();
  switch (op) {
    case BinaryOp::add: return Value::number(*x + *y);
    case BinaryOp::sub: return Value::number(*x - *y);
    case BinaryOp::mul: return Value::number(*x * *y);
    case BinaryOp::div: return *y == 0.0 ? Value() : Value::number(*x / *y);
    case BinaryOp::mod: return *y == 0.0 ? Value() : Value::number(std::fmod(*x, *y));
    default: return Value();
  }
}

Value ordering(BinaryOp op, const Value& a, const Value& b) {
  if (a.undefined() || b.undefined()) return Value();
  int cmp = 0;
  if (a.kind() == K::integer && b.kind() == K::integer) {
    cmp = a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
  } else {
    auto x = to_decimal(a);
    auto y = to_decimal(b);
    if (!x || !y) return Value();
    cmp = *x < *y ? -1 : *x > *y ? 1 : 0;
  }
  switch (op) {
    case BinaryOp::lt: return Value::boolean(cmp < 0);
    case BinaryOp::le: return Value::boolean(cmp <= 0);
    case BinaryOp::gt: return Value::boolean(cmp > 0);
    case BinaryOp::ge: return Value::boolean(cmp >= 0);
    default: return Value();
  }
}

Value logical(BinaryOp op, const Value& a, const Value& b) {
  auto x = to_boolean(a);
  auto y = to_boolean(b);
  if (!x || !y) return Value();
  return Value::boolean(op == BinaryOp::logical_and ? (*x && *y) : (*x || *y));
}

// Where names are looked up: the payload, or the row of a nested SELECT.
struct Ctx {
  const EvalInput& input;
  const Value* row = nullptr;          // the element a nested SELECT is on
  const std::string* alias = nullptr;  // FROM source AS alias: the row's name
};

Value eval(const Expr& e, const Ctx& ctx);

Value membership(const Value& needle, const Value& haystack) {
  if (needle.undefined() || haystack.undefined()) return Value();
  if (haystack.kind() != K::array) return Value();
  for (const auto& item : haystack.as_json())
    if (values_equal(needle, haystack.element(item))) return Value::boolean(true);
  return Value::boolean(false);
}

Value binary(const Expr& e, const Ctx& ctx) {
  const Value a = eval(*e.operands[0], ctx);
  const Value b = eval(*e.operands[1], ctx);
  switch (e.op) {
    case BinaryOp::add:
    case BinaryOp::sub:
    case BinaryOp::mul:
    case BinaryOp::div:
    case BinaryOp::mod: return arithmetic(e.op, a, b);
    case BinaryOp::eq:
    case BinaryOp::ne:
      if (a.undefined() || b.undefined()) return Value();
      return Value::boolean(values_equal(a, b) == (e.op == BinaryOp::eq));
    case BinaryOp::lt:
    case BinaryOp::le:
    case BinaryOp::gt:
    case BinaryOp::ge: return ordering(e.op, a, b);
    case BinaryOp::logical_and:
    case BinaryOp::logical_or: return logical(e.op, a, b);
    case BinaryOp::in: return membership(a, b);
  }
  return Value();
}

Value is_check(const Expr& e, const Ctx& ctx) {
  const Value v = eval(*e.operands[0], ctx);
  switch (e.check) {
    case IsCheck::null: return Value::boolean(v.is_null());
    case IsCheck::not_null: return Value::boolean(!v.is_null() && !v.undefined());  // "has a value"
    case IsCheck::undefined: return Value::boolean(v.undefined());
    case IsCheck::not_undefined: return Value::boolean(!v.undefined());
  }
  return Value();
}

Value array_literal(const Expr& e, const Ctx& ctx) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : e.operands) {
    Value v = eval(*item, ctx);
    if (!v.undefined()) out.push_back(v.to_json());
  }
  return Value::own(std::move(out));
}

Value object_literal(const Expr& e, const Ctx& ctx) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < e.operands.size(); ++i) {
    Value v = eval(*e.operands[i], ctx);
    if (!v.undefined()) out[e.keys[i]] = v.to_json();
  }
  return Value::own(std::move(out));
}

// CASE v WHEN t THEN r ... ELSE e END: the first t equal to v (Undefined v:
// Undefined). Without v (an edge extension), the first t that is true.
Value case_of(const Expr& e, const Ctx& ctx) {
  std::size_t i = 0;
  Value subject;
  if (e.case_subject) {
    subject = eval(*e.operands[i++], ctx);
    if (subject.undefined()) return Value();
  }
  const std::size_t whens_end = e.operands.size() - (e.case_else ? 1 : 0);
  for (; i + 1 < whens_end; i += 2) {
    const Value when = eval(*e.operands[i], ctx);
    bool match = false;
    if (e.case_subject) {
      match = !when.undefined() && values_equal(subject, when);
    } else {
      auto b = to_boolean(when);
      match = b && *b;
    }
    if (match) return eval(*e.operands[i + 1], ctx);
  }
  return e.case_else ? eval(*e.operands.back(), ctx) : Value();
}

void set_path(nlohmann::json& out, const std::vector<std::string>& path, nlohmann::json value) {
  nlohmann::json* at = &out;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    nlohmann::json& next = (*at)[path[i]];
    if (!next.is_object()) next = nlohmann::json::object();
    at = &next;
  }
  (*at)[path.back()] = std::move(value);
}

// The items of a SELECT on one row: the value (VALUE), or an object. `*`
// adds the row's keys (a lone `*` in a nested SELECT gives the row itself).
Value select_items(bool select_value, const std::vector<SelectItem>& items, const Ctx& ctx) {
  if (select_value) return eval(*items[0].expr, ctx);
  if (items.size() == 1 && !items[0].expr) return ctx.row ? *ctx.row : Value();
  nlohmann::json out = nlohmann::json::object();
  for (const auto& item : items) {
    if (!item.expr) {
      if (ctx.row && ctx.row->kind() == K::object) out.update(ctx.row->as_json());
      continue;
    }
    Value v = eval(*item.expr, ctx);
    if (!v.undefined()) set_path(out, item.name, v.to_json());
  }
  return Value::own(std::move(out));
}

bool row_passes(const SubQuery& q, const Ctx& row_ctx) {
  if (!q.where) return true;
  auto b = to_boolean(eval(*q.where, row_ctx));
  return b && *b;
}

// (SELECT ... FROM source [AS alias] [WHERE ...]): an array source gives an
// array of what each passing element selects; an object source gives what
// it selects (Undefined when its WHERE is not true); anything else Undefined.
Value subquery(const SubQuery& q, const Ctx& ctx) {
  const Value source = eval(*q.source, ctx);
  const std::string* alias = q.alias.empty() ? nullptr : &q.alias;
  if (source.kind() == K::object) {
    const Ctx row_ctx{ctx.input, &source, alias};
    return row_passes(q, row_ctx) ? select_items(q.select_value, q.items, row_ctx) : Value();
  }
  if (source.kind() != K::array) return Value();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : source.as_json()) {
    const Value row = source.element(item);
    const Ctx row_ctx{ctx.input, &row, alias};
    if (!row_passes(q, row_ctx)) continue;
    Value v = select_items(q.select_value, q.items, row_ctx);
    if (!v.undefined()) out.push_back(v.to_json());
  }
  return Value::own(std::move(out));
}

Value exists(const SubQuery& q, const Ctx& ctx) {
  const Value v = subquery(q, ctx);
  if (v.kind() == K::array) return Value::boolean(!v.as_json().empty());
  return Value::boolean(!v.undefined());
}

Value field(const Expr& e, const Ctx& ctx) {
  if (ctx.row) {
    if (ctx.alias && e.name == *ctx.alias) return *ctx.row;
    return lookup(*ctx.row, e.name);
  }
  const nlohmann::json* root = ctx.input.json();
  if (!root || !root->is_object()) return Value();
  auto it = root->find(e.name);
  return it == root->end() ? Value() : Value::borrow(*it);
}

Value payload(const Ctx& ctx) {
  if (ctx.row) return *ctx.row;
  if (const nlohmann::json* root = ctx.input.json()) return Value::borrow(*root);
  return Value::string(ctx.input.raw_payload());
}

Value call(const Expr& e, const Ctx& ctx) {
  std::vector<Value> args;
  args.reserve(e.operands.size());
  for (const auto& o : e.operands) {
    if (o->kind == Expr::Kind::payload && e.function->raw_payload && !ctx.row)
      args.push_back(Value::string(ctx.input.raw_payload()));  // the bytes as they came
    else
      args.push_back(eval(*o, ctx));
  }
  return e.function->impl(args, CallContext{ctx.input, e});
}

Value eval(const Expr& e, const Ctx& ctx) {
  switch (e.kind) {
    case Expr::Kind::literal: return e.value;
    case Expr::Kind::field: return field(e, ctx);
    case Expr::Kind::member: return lookup(eval(*e.operands[0], ctx), e.name);
    case Expr::Kind::index: return index(eval(*e.operands[0], ctx), eval(*e.operands[1], ctx));
    case Expr::Kind::negate: return negate(eval(*e.operands[0], ctx));
    case Expr::Kind::logical_not: {
      auto b = to_boolean(eval(*e.operands[0], ctx));
      return b ? Value::boolean(!*b) : Value();
    }
    case Expr::Kind::binary: return binary(e, ctx);
    case Expr::Kind::is: return is_check(e, ctx);
    case Expr::Kind::call: return call(e, ctx);
    case Expr::Kind::cast: return cast_value(eval(*e.operands[0], ctx), e.cast_type);
    case Expr::Kind::array: return array_literal(e, ctx);
    case Expr::Kind::object: return object_literal(e, ctx);
    case Expr::Kind::case_of: return case_of(e, ctx);
    case Expr::Kind::payload: return payload(ctx);
    case Expr::Kind::subquery: return subquery(*e.query, ctx);
    case Expr::Kind::exists: return exists(*e.query, ctx);
    case Expr::Kind::variable: return ctx.input.variable(*e.scope, e.variable_index);
  }
  return Value();
}

}  // namespace

EvalInput::EvalInput(std::string topic, std::string payload) : topic_(std::move(topic)), raw_(std::move(payload)) {
  BoundedJson parsed = parse_json_bounded(raw_, kPayloadJsonLimits);
  json_ = std::move(parsed.value);
  if (parsed.refused) refused_ = std::move(parsed.error);
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = topic_.find('/', start);
    levels_.push_back(topic_.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
}

const std::string* EvalInput::topic_level(std::int64_t n) const {
  if (n < 1 || static_cast<std::uint64_t>(n) > levels_.size()) return nullptr;
  return &levels_[static_cast<std::size_t>(n - 1)];
}

const std::string& EvalInput::trace_id() const {
  if (trace_id_.empty()) trace_id_ = new_uuid ? new_uuid() : random_uuid();
  return trace_id_;
}

Value EvalInput::variable(const std::vector<Variable>& scope, std::size_t index) const {
  if (index >= scope.size()) return Value();
  std::size_t slot = 0;
  while (slot < variables_.size() && variables_[slot].first != &scope) ++slot;
  if (slot == variables_.size()) variables_.emplace_back(&scope, std::vector<std::optional<Value>>(scope.size()));
  if (!variables_[slot].second[index]) {
    Value v = evaluate(*scope[index].expr, *this);  // may add slots: index again after
    variables_[slot].second[index] = std::move(v);
  }
  return *variables_[slot].second[index];
}

Value evaluate(const Expr& e, const EvalInput& input) { return eval(e, Ctx{input}); }

Condition evaluate_where(const Statement& statement, const EvalInput& input) {
  if (!statement.where) return Condition::is_true;
  auto b = to_boolean(evaluate(*statement.where, input));
  if (!b) return Condition::undefined;
  return *b ? Condition::is_true : Condition::is_false;
}

Selected evaluate_select(const Statement& statement, const EvalInput& input) {
  Selected out;
  if (statement.select_value) {
    Value v = evaluate(*statement.items[0].expr, input);
    if (v.undefined()) return out;  // Undefined serializes as an empty payload
    out.json = v.to_json();
    out.payload = dump_json(out.json);
    return out;
  }
  if (statement.items.size() == 1 && !statement.items[0].expr) {  // SELECT *: the payload as it came
    out.payload = input.raw_payload();
    out.json = input.json() ? *input.json() : nlohmann::json(nlohmann::json::value_t::discarded);
    return out;
  }
  out.json = nlohmann::json::object();
  for (const auto& item : statement.items) {
    if (!item.expr) {
      if (input.json() && input.json()->is_object()) out.json.update(*input.json());
      continue;
    }
    Value v = evaluate(*item.expr, input);
    if (!v.undefined()) set_path(out.json, item.name, v.to_json());
  }
  out.payload = dump_json(out.json);
  return out;
}

std::string random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng();
  std::uint64_t lo = rng();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                     // version 4
  lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);     // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32), static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                static_cast<unsigned long long>(hi & 0xFFFF), static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

}  // namespace edgebridge::rules
