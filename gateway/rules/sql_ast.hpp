#pragma once
// The parsed form of a rule's SQL: built once at load, then only read
// (shared by every thread that evaluates the rule).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "rules/value.hpp"

namespace edgebridge::rules {

struct FunctionDef;  // rules/sql_functions.hpp
struct Variable;
struct SubQuery;

enum class BinaryOp { add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, logical_and, logical_or, in };
enum class IsCheck { null, not_null, undefined, not_undefined };
enum class CastType { integer, decimal, string, boolean };

const char* to_string(BinaryOp op);

struct Expr {
  enum class Kind {
    literal,      // `value`
    field,        // `name` looked up in the payload's top-level object (or a nested SELECT's row)
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
    case_of,      // CASE [operands[0]] WHEN .. THEN .. [ELSE ..] END (see case_subject, case_else)
    payload,      // `*` as a function argument: the payload (a nested SELECT's row)
    subquery,     // (SELECT ... FROM expr [AS alias] [WHERE ...])
    exists,       // EXISTS (SELECT ...): the subquery gives at least one element
    variable,     // @name, defined by the statement's SET clause
  };

  Kind kind = Kind::literal;
  std::size_t offset = 0;  // where it starts in the SQL text (for messages)
  int depth = 1;           // nesting depth of this subtree
  Value value;
  std::string name;
  BinaryOp op = BinaryOp::add;
  IsCheck check = IsCheck::null;
  CastType cast_type = CastType::string;
  std::vector<std::unique_ptr<Expr>> operands;
  std::vector<std::string> keys;

  // call: the function, and what it prepared from literal arguments at load
  // (e.g. a compiled regular expression); may be null.
  const FunctionDef* function = nullptr;
  std::shared_ptr<const void> prepared;

  // case_of: operands are [subject] when1 then1 when2 then2 ... [else].
  bool case_subject = false;
  bool case_else = false;

  // subquery, exists
  std::shared_ptr<const SubQuery> query;

  // variable: its index in `scope` (the statement's SET variables).
  std::size_t variable_index = 0;
  const std::vector<Variable>* scope = nullptr;
};

struct SelectItem {
  std::unique_ptr<Expr> expr;     // null for `*`
  std::vector<std::string> name;  // output key, split at '.' (AS a.b nests); empty for `*`
};

// SET @name = expr: evaluated at most once per message, when first used.
struct Variable {
  std::string name;  // without the '@'
  std::unique_ptr<Expr> expr;
};

// A nested SELECT: its items are evaluated on each element of `source` when
// that is an array (giving an array), or once on `source` itself when it is
// an object. Inside it, keys name the element's keys and `alias` the element.
struct SubQuery {
  bool select_value = false;
  std::vector<SelectItem> items;
  std::unique_ptr<Expr> source;
  std::string alias;
  std::unique_ptr<Expr> where;
};

struct Statement {
  std::string text;               // the SQL as written
  std::vector<Variable> variables;  // SET clause, in order
  bool select_value = false;      // SELECT VALUE expr: the output is the value itself
  std::vector<SelectItem> items;
  std::string from;               // the topic filter
  std::unique_ptr<Expr> where;    // null: no WHERE clause (always true)
};

}  // namespace edgebridge::rules
