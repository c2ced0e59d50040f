#pragma once
// The built-in functions and cast(), as the AWS IoT SQL reference defines
// them (argument conversions, Undefined for arguments they cannot use).
// Internal to the evaluator.

#include <vector>

#include "rules/sql_ast.hpp"
#include "rules/sql_eval.hpp"
#include "rules/value.hpp"

namespace edgebridge::rules {

Value call_builtin(Builtin function, const std::vector<Value>& args, const EvalInput& input);
Value cast_value(const Value& v, CastType type);

}  // namespace edgebridge::rules
