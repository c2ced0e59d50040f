#pragma once
// The parsed form of a rule's SQL: built once at load, then only read
// (shared by every thread that evaluates the rule).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "rules/value.hpp"

namespace edgebridge::rules {

enum class BinaryOp { add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, logical_and, logical_or };
enum class IsCheck { null, not_null, undefined, not_undefined };
enum class CastType { integer, decimal, string, boolean };
enum class Builtin {
  topic, timestamp, clientid, abs, round, floor, ceil, coalesce, concat, lower, upper, newuuid, is_null, is_undefined
};

const char* to_string(BinaryOp op);
const char* to_string(Builtin f);

struct Expr {
  enum class Kind {
    literal,      // `value`
    field,        // `name` looked up in the payload's top-level object
    member,       // operands[0].name
    index,        // operands[0][operands[1]]
    negate,       // -operands[0]
    logical_not,  // NOT operands[0]
    binary,       // operands[0] op operands[1]
    is,           // operands[0] IS [NOT] NULL|UNDEFINED
    call,         // function(operands...)
    cast,         // cast(operands[0] AS cast_type)
    array,        // [operands...]
    object,       // {keys[i]: operands[i], ...}
  };

  Kind kind = Kind::literal;
  std::size_t offset = 0;  // where it starts in the SQL text (for messages)
  int depth = 1;           // nesting depth of this subtree
  Value value;
  std::string name;
  BinaryOp op = BinaryOp::add;
  IsCheck check = IsCheck::null;
  Builtin function = Builtin::topic;
  CastType cast_type = CastType::string;
  std::vector<std::unique_ptr<Expr>> operands;
  std::vector<std::string> keys;
};

struct SelectItem {
  std::unique_ptr<Expr> expr;     // null for `*`
  std::vector<std::string> name;  // output key, split at '.' (AS a.b nests); empty for `*`
};

struct Statement {
  std::string text;               // the SQL as written
  bool select_value = false;      // SELECT VALUE expr: the output is the value itself
  std::vector<SelectItem> items;
  std::string from;               // the topic filter
  std::unique_ptr<Expr> where;    // null: no WHERE clause (always true)
};

}  // namespace edgebridge::rules
