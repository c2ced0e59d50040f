#pragma once
// Substitution templates, as in AWS IoT rule actions: "alerts/${topic(2)}"
// has text and ${expression} parts; each expression is any SQL expression,
// evaluated on the rule's input message (not on the SELECT output, so AS
// names are not visible), and written in its string form. Undefined and Null
// write nothing.
//
// In rules, ${...} is always SQL; environment variables are not expanded there.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/sql_ast.hpp"
#include "rules/sql_eval.hpp"
#include "rules/sql_parser.hpp"

namespace edgebridge::rules {

class Template {
 public:
  Template() = default;
  // Parses `text`; on a bad ${...}, nullopt and `error` (offset into `text`).
  // @variables in it refer to `scope`'s SET clause (the rule's statement).
  static std::optional<Template> parse(std::string_view text, SqlError& error, const Statement* scope = nullptr);

  std::string render(const EvalInput& input) const;
  const std::string& source() const { return source_; }
  bool has_expressions() const;
  // The literal text between the expressions (to check it at load).
  std::string literal_text() const;
  // The expression when the template is exactly one "${...}", else null.
  const Expr* sole_expression() const;

 private:
  struct Segment {
    std::string text;
    std::shared_ptr<const Expr> expr;  // null: literal text
  };
  std::string source_;
  std::vector<Segment> segments_;
};

// A JSON document (a command's args) whose string values may be templates.
// A string that is exactly "${expr}" becomes the expression's typed value
// (a key whose value is Undefined is left out); other strings are rendered.
class JsonTemplate {
 public:
  JsonTemplate() = default;
  // On a bad template: nullopt, `error` (its message starts with the column in
  // that string), and `where` (a JSON pointer to the string).
  static std::optional<JsonTemplate> parse(const nlohmann::json& document, SqlError& error, std::string& where,
                                           const Statement* scope = nullptr);

  nlohmann::json render(const EvalInput& input) const;
  const nlohmann::json& source() const { return document_; }

 private:
  nlohmann::json document_;
  std::vector<std::pair<nlohmann::json::json_pointer, Template>> slots_;
};

}  // namespace edgebridge::rules
