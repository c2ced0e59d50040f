#pragma once
// Parses AWS IoT SQL (2016-03-23 dialect) once, at load:
//
//   [SET @v = expr, ...] SELECT [VALUE] * | expr [AS name], ... FROM 'topic/filter' [WHERE cond]
//
// Expressions: JSON paths (a.b, a[0], a.b[1].c, `odd-key`), literals
// (12, 2.5, 'text', "text", true, false, null, [..], {'k': ..}), + - * / %,
// = <> != < <= > >=, AND OR NOT, IN, parentheses, IS [NOT] NULL, IS [NOT]
// UNDEFINED, CASE, nested (SELECT ... FROM path [AS a] [WHERE ...]), EXISTS,
// @variables, cast(x AS type) and the functions of rules/sql_functions.hpp.
// Keywords and function names ignore case; JSON keys do not.
// docs/rules-sql.md is the user's reference.
//
// Never throws: a problem is a SqlError with the byte offset where it was seen.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/sql_ast.hpp"

namespace edgebridge::rules {

struct SqlError {
  std::size_t offset = 0;
  std::string message;
};

struct ParsedStatement {
  std::shared_ptr<const Statement> statement;  // set when there is no error
  std::optional<SqlError> error;
};

ParsedStatement parse_statement(std::string_view sql);

struct ParsedExpression {
  std::shared_ptr<const Expr> expr;
  std::size_t end = 0;  // offset of the first token after the expression
  std::optional<SqlError> error;
};

// One expression starting at `offset` (for substitution templates: the
// caller checks what follows, e.g. the closing '}'). @variables refer to
// `scope`'s SET clause (none without one).
ParsedExpression parse_expression(std::string_view text, std::size_t offset, const Statement* scope = nullptr);

// "column 23", or "line 2, column 5" when the text spans lines. Columns count
// characters (UTF-8 code points), from 1.
std::string position_in(std::string_view text, std::size_t offset);

}  // namespace edgebridge::rules
