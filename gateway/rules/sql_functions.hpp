#pragma once
// The AWS IoT SQL functions: ONE table (sql_functions.cpp) names every
// function of the reference, with its argument count and either what it does
// at the edge or why it cannot run there (it needs an AWS service or context
// the gateway does not have; the loader reports that, naming the function).
// Adding a function is one row (and its implementation) in sql_functions.cpp
// and one test row: in tests/rules_conformance/aws_iot_sql_examples.json when
// the guide has an example, else in tests/unit/rules_functions_test.cpp (a
// test fails for a function that has neither).
//
// Functions follow the reference's argument conversions and return Undefined
// for arguments they cannot use. A wrong number of arguments is a load error.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rules/sql_ast.hpp"
#include "rules/value.hpp"

namespace edgebridge::rules {

class EvalInput;

struct CallContext {
  const EvalInput& input;
  const Expr& call;  // call.prepared: what check() prepared at load
};

using FunctionImpl = Value (*)(const std::vector<Value>& args, const CallContext& context);
// At load, with the parsed arguments: "" or the error to report. May set
// call.prepared (e.g. a regular expression compiled once).
using FunctionCheck = std::string (*)(Expr& call);

struct FunctionDef {
  const char* name;         // as the reference writes it (isNull, parse_time)
  std::size_t min_args;
  std::size_t max_args;     // kAnyCount: any number
  FunctionImpl impl;        // null: not evaluated at the edge (see unavailable)
  const char* unavailable;  // why not, when impl is null
  FunctionCheck check;      // may be null
  bool raw_payload;         // a `*` argument stands for the payload's bytes (encode)
};

inline constexpr std::size_t kAnyCount = static_cast<std::size_t>(-1);

// The function named `name` (any case), or null when the reference has none.
const FunctionDef* find_function(std::string_view name);
// Every function of the table, in alphabetical order.
const std::vector<const FunctionDef*>& all_functions();

Value cast_value(const Value& v, CastType type);

}  // namespace edgebridge::rules
