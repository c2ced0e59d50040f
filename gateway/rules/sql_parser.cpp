#include "rules/sql_parser.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>

#include "config/yaml_reader.hpp"
#include "core/topic_names.hpp"
#include "rules/sql_functions.hpp"
#include "rules/sql_lexer.hpp"

namespace edgebridge::rules {

namespace {

// Deeper expressions are refused: evaluation recurses once per level.
constexpr int kMaxDepth = 100;
// Parentheses, brackets, NOT and unary minus nest the parser itself.
constexpr int kMaxNesting = 200;

std::string lowercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string uppercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The names of the functions the edge evaluates, for "did you mean".
std::vector<std::string> available_names() {
  std::vector<std::string> names;
  for (const FunctionDef* f : all_functions())
    if (f->impl) names.push_back(lowercase(f->name));
  names.emplace_back("cast");
  return names;
}

bool is_reserved(const std::string& upper) {
  static const char* const words[] = {"SELECT", "FROM", "WHERE", "AS",   "AND",  "OR",   "NOT",  "IS",  "NULL",
                                      "TRUE",   "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END", "IN", "SET"};
  return std::find(std::begin(words), std::end(words), upper) != std::end(words);
}

struct Failure {
  SqlError error;
};

class Parser {
 public:
  Parser(std::string_view text, std::size_t offset, const Statement* scope = nullptr)
      : lex_(text, offset), scope_(scope ? &scope->variables : nullptr) {}

  std::shared_ptr<const Statement> statement() {
    auto st = std::make_shared<Statement>();
    st->text = std::string(lex_.text());
    scope_ = &st->variables;
    if (keyword(peek(), "SET")) set_clause(*st);
    if (!keyword(peek(), "SELECT")) {
      if (keyword(peek(), "SET")) fail(peek(), "SET may appear once; assign every variable in it, separated by commas");
      fail(peek(), "a rule's SQL starts with SELECT (or SET), found " + quote_token(peek()));
    }
    next();
    if (keyword(peek(), "VALUE") && starts_expression(peek(1))) {
      next();
      st->select_value = true;
    }
    select_list(st->items, st->select_value);
    expect_from();
    from_clause(*st);
    if (keyword(peek(), "WHERE")) {
      next();
      if (peek().kind == TokenKind::end) fail(peek(), "expected a condition after WHERE, found the end of the SQL");
      st->where = expression();
    }
    if (peek().kind != TokenKind::end) {
      const std::string after = st->where ? "the WHERE condition" : "the FROM topic filter";
      std::string msg = "unexpected " + quote_token(peek()) + " after " + after;
      if (!st->where && peek().kind == TokenKind::identifier)
        if (auto guess = did_you_mean(uppercase(peek().text), {"WHERE"}); !guess.empty())
          msg += "; did you mean WHERE?";
      fail(peek(), msg);
    }
    return st;
  }

  std::unique_ptr<Expr> expression() {
    Nested guard(*this);
    return or_expr();
  }

  std::size_t current_offset() { return peek().offset; }

 private:
  struct Nested {
    explicit Nested(Parser& p) : parser(p) {
      if (++parser.nesting_ > kMaxNesting)
        parser.fail(parser.peek(), "the expression nests too deeply (more than 200 levels)");
    }
    ~Nested() { --parser.nesting_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;
    Parser& parser;
  };

  const Token& peek(std::size_t ahead = 0) {
    const Token& t = lex_.peek(ahead);
    if (t.kind == TokenKind::error) fail(t, t.text);
    return t;
  }
  Token next() {
    peek();
    return lex_.next();
  }

  [[noreturn]] void fail(const Token& at, std::string message) { throw Failure{{at.offset, std::move(message)}}; }
  [[noreturn]] void fail_at(std::size_t offset, std::string message) { throw Failure{{offset, std::move(message)}}; }

  static bool keyword(const Token& t, const char* word) {
    return t.kind == TokenKind::identifier && uppercase(t.text) == word;
  }
  static bool symbol(const Token& t, const char* s) { return t.kind == TokenKind::symbol && t.text == s; }

  // Whether `t` can begin an expression (used to tell SELECT VALUE x from a key named "value").
  static bool starts_expression(const Token& t) {
    switch (t.kind) {
      case TokenKind::identifier: {
        const std::string u = uppercase(t.text);
        return u != "FROM" && u != "AS";
      }
      case TokenKind::quoted_identifier:
      case TokenKind::number:
      case TokenKind::string: return true;
      case TokenKind::symbol: return t.text == "(" || t.text == "[" || t.text == "{" || t.text == "-" || t.text == "@";
      default: return false;
    }
  }

  // SET @a = expr, @b = expr: each variable once; later ones may use earlier ones.
  void set_clause(Statement& st) {
    next();  // SET
    while (true) {
      const Token at = peek();
      if (!symbol(at, "@")) fail(at, "expected a variable such as @name after SET, found " + quote_token(at));
      next();
      const Token name = peek();
      if (name.kind != TokenKind::identifier || name.offset != at.offset + 1)
        fail(name, "expected a variable name right after '@' (letters, digits, _)");
      if (name.text.size() > 64) fail(name, "a variable name has at most 64 characters");
      for (const auto& v : st.variables)
        if (v.name == name.text) fail(name, "@" + name.text + " is already set; each variable is assigned once");
      next();
      if (!symbol(peek(), "=")) fail(peek(), "expected '=' after @" + name.text + ", found " + quote_token(peek()));
      next();
      expect_operand("'='");
      auto e = expression();
      st.variables.push_back(Variable{name.text, std::move(e)});
      if (!symbol(peek(), ",")) break;
      next();
    }
  }

  void expect_from() {
    if (!keyword(peek(), "FROM")) {
      std::string msg = "expected FROM after the select list, found " + quote_token(peek());
      if (peek().kind == TokenKind::identifier) {
        if (auto guess = did_you_mean(uppercase(peek().text), {"FROM"}); !guess.empty())
          msg += "; did you mean FROM?";
        else if (!is_reserved(uppercase(peek().text)))
          msg += " (separate select items with commas)";
      }
      fail(peek(), msg);
    }
  }

  void select_list(std::vector<SelectItem>& items, bool select_value) {
    if (peek().kind == TokenKind::end || keyword(peek(), "FROM"))
      fail(peek(), "expected a select list (* or expressions) after SELECT, found " + quote_token(peek()));
    std::size_t position = 0;
    while (true) {
      ++position;
      SelectItem item;
      const Token& first = peek();
      if (symbol(first, "*") && !select_value) {
        next();
      } else {
        item.expr = expression();
        if (keyword(peek(), "AS")) {
          next();
          item.name = name_path();
        } else {
          item.name = {default_name(*item.expr, position)};
        }
      }
      items.push_back(std::move(item));
      if (!symbol(peek(), ",")) break;
      next();
      if (select_value) fail(peek(), "SELECT VALUE takes exactly one expression");
    }
  }

  std::vector<std::string> name_path() {
    std::vector<std::string> path;
    while (true) {
      const Token& t = peek();
      if (t.kind == TokenKind::quoted_identifier || t.kind == TokenKind::string ||
          (t.kind == TokenKind::identifier && !is_reserved(uppercase(t.text)))) {
        path.push_back(next().text);
      } else {
        fail(t, "expected a name after AS, found " + quote_token(t));
      }
      if (!symbol(peek(), ".")) return path;
      next();
    }
  }

  static std::string default_name(const Expr& e, std::size_t position) {
    if (e.kind == Expr::Kind::field || e.kind == Expr::Kind::member) return e.name;
    if (e.kind == Expr::Kind::call) return e.function->name;
    return "_" + std::to_string(position);
  }

  void from_clause(Statement& st) {
    next();  // FROM
    const Token& t = peek();
    if (t.kind != TokenKind::string) {
      if (t.kind == TokenKind::end) fail(t, "expected a topic filter in quotes after FROM, e.g. FROM 'sensors/#'");
      fail(t, "the topic filter after FROM must be in quotes, e.g. FROM 'sensors/#'; found " + quote_token(t));
    }
    if (auto why = topic_filter_problem(t.text); !why.empty()) fail(t, "FROM '" + t.text + "': " + why);
    st.from = next().text;
  }

  std::unique_ptr<Expr> make(Expr::Kind kind, std::size_t offset) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->offset = offset;
    return e;
  }

  std::unique_ptr<Expr> with_operands(std::unique_ptr<Expr> e, std::vector<std::unique_ptr<Expr>> operands) {
    int depth = 0;
    for (const auto& o : operands) depth = std::max(depth, o->depth);
    e->depth = depth + 1;
    if (e->depth > kMaxDepth) fail_at(e->offset, "the expression nests too deeply (more than 100 levels)");
    e->operands = std::move(operands);
    return e;
  }

  std::unique_ptr<Expr> binary(BinaryOp op, std::size_t offset, std::unique_ptr<Expr> l, std::unique_ptr<Expr> r) {
    auto e = make(Expr::Kind::binary, offset);
    e->op = op;
    std::vector<std::unique_ptr<Expr>> ops;
    ops.push_back(std::move(l));
    ops.push_back(std::move(r));
    return with_operands(std::move(e), std::move(ops));
  }

  std::unique_ptr<Expr> unary(Expr::Kind kind, std::size_t offset, std::unique_ptr<Expr> operand) {
    auto e = make(kind, offset);
    std::vector<std::unique_ptr<Expr>> ops;
    ops.push_back(std::move(operand));
    return with_operands(std::move(e), std::move(ops));
  }

  void expect_operand(const char* after) {
    const Token& t = peek();
    if (t.kind == TokenKind::end || (t.kind == TokenKind::symbol && t.text != "(" && t.text != "[" &&
                                     t.text != "{" && t.text != "-" && t.text != "+" && t.text != "@"))
      fail(t, std::string("expected a value after ") + after + ", found " + quote_token(t));
  }

  std::unique_ptr<Expr> or_expr() {
    auto left = and_expr();
    while (keyword(peek(), "OR")) {
      const std::size_t at = next().offset;
      expect_operand("OR");
      left = binary(BinaryOp::logical_or, at, std::move(left), and_expr());
    }
    return left;
  }

  std::unique_ptr<Expr> and_expr() {
    auto left = not_expr();
    while (keyword(peek(), "AND")) {
      const std::size_t at = next().offset;
      expect_operand("AND");
      left = binary(BinaryOp::logical_and, at, std::move(left), not_expr());
    }
    return left;
  }

  std::unique_ptr<Expr> not_expr() {
    if (keyword(peek(), "NOT")) {
      Nested guard(*this);
      const std::size_t at = next().offset;
      expect_operand("NOT");
      return unary(Expr::Kind::logical_not, at, not_expr());
    }
    return comparison();
  }

  std::unique_ptr<Expr> comparison() {
    auto left = additive();
    static const std::pair<const char*, BinaryOp> ops[] = {{"=", BinaryOp::eq},  {"<>", BinaryOp::ne},
                                                           {"!=", BinaryOp::ne}, {"<=", BinaryOp::le},
                                                           {">=", BinaryOp::ge}, {"<", BinaryOp::lt},
                                                           {">", BinaryOp::gt}};
    for (const auto& [text, op] : ops) {
      if (symbol(peek(), text)) {
        const Token t = next();
        expect_operand(("'" + t.text + "'").c_str());
        auto right = additive();
        auto e = binary(op, t.offset, std::move(left), std::move(right));
        for (const auto& [text2, op2] : ops) {
          (void)op2;
          if (symbol(peek(), text2))
            fail(peek(), "comparisons do not chain; join them with AND, e.g. a < b AND b < c");
        }
        return e;
      }
    }
    if (keyword(peek(), "IN")) {
      const Token t = next();
      expect_operand("IN");
      if (symbol(peek(), "(") && !keyword(peek(1), "SELECT"))
        fail(peek(), "IN takes an array, e.g. x IN ['a', 'b'] or x IN readings, not a parenthesized list");
      return binary(BinaryOp::in, t.offset, std::move(left), additive());
    }
    if (keyword(peek(), "NOT") && keyword(peek(1), "IN"))
      fail(peek(), "NOT IN is not AWS IoT SQL; write NOT (x IN list)");
    for (const char* word : {"LIKE", "BETWEEN"})
      if (keyword(peek(), word))
        fail(peek(), std::string(word) + " is not AWS IoT SQL; write the comparisons out, e.g. "
                                          "regexp_matches(x, '^a'), or x >= 1 AND x <= 9");
    if (keyword(peek(), "IS")) {
      const std::size_t at = next().offset;
      bool negated = false;
      if (keyword(peek(), "NOT")) {
        next();
        negated = true;
      }
      IsCheck check;
      if (keyword(peek(), "NULL"))
        check = negated ? IsCheck::not_null : IsCheck::null;
      else if (keyword(peek(), "UNDEFINED"))
        check = negated ? IsCheck::not_undefined : IsCheck::undefined;
      else
        fail(peek(), "expected NULL or UNDEFINED after IS" + std::string(negated ? " NOT" : "") + ", found " +
                         quote_token(peek()));
      next();
      auto e = unary(Expr::Kind::is, at, std::move(left));
      e->check = check;
      return e;
    }
    return left;
  }

  std::unique_ptr<Expr> additive() {
    auto left = multiplicative();
    while (symbol(peek(), "+") || symbol(peek(), "-")) {
      const Token t = next();
      expect_operand(("'" + t.text + "'").c_str());
      left = binary(t.text == "+" ? BinaryOp::add : BinaryOp::sub, t.offset, std::move(left), multiplicative());
    }
    return left;
  }

  std::unique_ptr<Expr> multiplicative() {
    auto left = prefix();
    while (symbol(peek(), "*") || symbol(peek(), "/") || symbol(peek(), "%")) {
      const Token t = next();
      expect_operand(("'" + t.text + "'").c_str());
      const BinaryOp op = t.text == "*" ? BinaryOp::mul : t.text == "/" ? BinaryOp::div : BinaryOp::mod;
      left = binary(op, t.offset, std::move(left), prefix());
    }
    return left;
  }

  std::unique_ptr<Expr> prefix() {
    if (symbol(peek(), "-")) {
      Nested guard(*this);
      const std::size_t at = next().offset;
      expect_operand("'-'");
      auto operand = prefix();
      if (operand->kind == Expr::Kind::literal && operand->value.is_number()) {  // fold -5 into a literal
        const Value& v = operand->value;
        if (v.kind() == Value::Kind::integer && v.as_int() != INT64_MIN)
          operand->value = Value::integer(-v.as_int());
        else
          operand->value = Value::number(-v.as_decimal());
        operand->offset = at;
        return operand;
      }
      return unary(Expr::Kind::negate, at, std::move(operand));
    }
    if (symbol(peek(), "+")) {
      Nested guard(*this);
      next();
      expect_operand("'+'");
      return prefix();
    }
    return postfix();
  }

  std::unique_ptr<Expr> postfix() {
    auto base = primary();
    while (true) {
      if (symbol(peek(), ".")) {
        next();
        const Token& t = peek();
        if (t.kind != TokenKind::identifier && t.kind != TokenKind::quoted_identifier)
          fail(t, "expected a key name after '.', found " + quote_token(t));
        const std::size_t at = base->offset;
        auto e = unary(Expr::Kind::member, at, std::move(base));
        e->name = next().text;
        base = std::move(e);
      } else if (symbol(peek(), "[")) {
        next();
        expect_operand("'['");
        auto index = expression();
        if (!symbol(peek(), "]")) fail(peek(), "expected ']' after the index, found " + quote_token(peek()));
        next();
        auto e = make(Expr::Kind::index, base->offset);
        std::vector<std::unique_ptr<Expr>> ops;
        ops.push_back(std::move(base));
        ops.push_back(std::move(index));
        base = with_operands(std::move(e), std::move(ops));
      } else {
        return base;
      }
    }
  }

  std::unique_ptr<Expr> literal(std::size_t offset, Value v) {
    auto e = make(Expr::Kind::literal, offset);
    e->value = std::move(v);
    return e;
  }

  std::unique_ptr<Expr> primary() {
    const Token t = peek();
    switch (t.kind) {
      case TokenKind::number: {
        next();
        if (t.integer) {
          errno = 0;
          const long long i = std::strtoll(t.text.c_str(), nullptr, 10);
          if (errno != ERANGE) return literal(t.offset, Value::integer(i));
        }
        return literal(t.offset, Value::number(std::strtod(t.text.c_str(), nullptr)));
      }
      case TokenKind::string: next(); return literal(t.offset, Value::string(t.text));
      case TokenKind::quoted_identifier: {
        next();
        auto e = make(Expr::Kind::field, t.offset);
        e->name = t.text;
        return e;
      }
      case TokenKind::identifier: return identifier();
      case TokenKind::symbol:
        if (t.text == "(") {
          next();
          if (keyword(peek(), "SELECT")) return subquery(t, Expr::Kind::subquery);
          expect_operand("'('");
          auto inner = expression();
          if (!symbol(peek(), ")")) fail(peek(), "expected ')' to close the '(' at " + position(t.offset) +
                                                     ", found " + quote_token(peek()));
          next();
          return inner;
        }
        if (t.text == "[") return array_literal();
        if (t.text == "{") return object_literal();
        if (t.text == "@") return variable();
        if (t.text == "*")
          fail(t, "'*' stands for the whole payload only as a select item or a function's argument, e.g. "
                  "SELECT *, 1 AS n or encode(*, 'base64')");
        fail(t, "expected a value, found " + quote_token(t));
      case TokenKind::end: fail(t, "expected a value, found the end of the SQL");
      case TokenKind::error: fail(t, t.text);
    }
    fail(t, "expected a value");
  }

  std::string position(std::size_t offset) { return position_in(lex_.text(), offset); }

  std::unique_ptr<Expr> identifier() {
    const Token t = next();
    const std::string upper = uppercase(t.text);
    if (upper == "TRUE") return literal(t.offset, Value::boolean(true));
    if (upper == "FALSE") return literal(t.offset, Value::boolean(false));
    if (upper == "NULL") return literal(t.offset, Value::null());
    if (upper == "EXISTS" && symbol(peek(), "(") && keyword(peek(1), "SELECT")) {
      next();  // (
      return subquery(t, Expr::Kind::exists);
    }
    if (symbol(peek(), "(")) return call(t);
    if (upper == "CASE") return case_expr(t);
    if (upper == "SELECT") fail(t, "a nested SELECT goes in parentheses, e.g. (SELECT VALUE n FROM e)");
    if (upper == "UNDEFINED") fail(t, "UNDEFINED is not a value; test for it with IS UNDEFINED");
    if (is_reserved(upper)) fail(t, "expected a value, found the keyword " + upper);
    auto e = make(Expr::Kind::field, t.offset);
    e->name = t.text;
    return e;
  }

  // @name: a variable of the statement's SET clause.
  std::unique_ptr<Expr> variable() {
    const Token at = next();  // @
    const Token name = peek();
    if (name.kind != TokenKind::identifier || name.offset != at.offset + 1)
      fail(name, "expected a variable name right after '@', e.g. @average");
    next();
    if (scope_)
      for (std::size_t i = 0; i < scope_->size(); ++i) {
        if ((*scope_)[i].name != name.text) continue;
        auto e = make(Expr::Kind::variable, at.offset);
        e->name = name.text;
        e->variable_index = i;
        e->scope = scope_;
        e->depth = (*scope_)[i].expr->depth + 1;  // evaluating it evaluates its definition
        if (e->depth > kMaxDepth) fail_at(at.offset, "the expression nests too deeply (more than 100 levels)");
        return e;
      }
    std::string msg = "@" + name.text + " is not set; define it first, e.g. SET @" + name.text + " = ... SELECT ...";
    if (scope_ && !scope_->empty()) {
      std::vector<std::string> names;
      for (const auto& v : *scope_) names.push_back(v.name);
      if (auto guess = did_you_mean(name.text, names); !guess.empty()) msg = "@" + name.text + " is not set; did you mean @" + guess + "?";
    }
    fail(at, msg);
  }

  // CASE v WHEN t THEN r ... [ELSE e] END, or CASE WHEN cond THEN r ... END.
  std::unique_ptr<Expr> case_expr(const Token& start) {
    auto e = make(Expr::Kind::case_of, start.offset);
    std::vector<std::unique_ptr<Expr>> parts;
    if (!keyword(peek(), "WHEN")) {
      expect_operand("CASE");
      parts.push_back(expression());
      e->case_subject = true;
    }
    if (!keyword(peek(), "WHEN")) fail(peek(), "expected WHEN in the CASE, found " + quote_token(peek()));
    while (keyword(peek(), "WHEN")) {
      next();
      expect_operand("WHEN");
      parts.push_back(expression());
      if (!keyword(peek(), "THEN")) fail(peek(), "expected THEN after the WHEN value, found " + quote_token(peek()));
      next();
      expect_operand("THEN");
      parts.push_back(expression());
    }
    if (keyword(peek(), "ELSE")) {
      next();
      expect_operand("ELSE");
      parts.push_back(expression());
      e->case_else = true;
    }
    if (!keyword(peek(), "END"))
      fail(peek(), "expected WHEN, ELSE or END in the CASE that starts at " + position(start.offset) + ", found " +
                       quote_token(peek()));
    next();
    return with_operands(std::move(e), std::move(parts));
  }

  // (SELECT [VALUE] items FROM source [AS alias] [WHERE cond]), after the '('.
  std::unique_ptr<Expr> subquery(const Token& open, Expr::Kind kind) {
    Nested guard(*this);
    next();  // SELECT
    auto q = std::make_shared<SubQuery>();
    if (keyword(peek(), "VALUE") && starts_expression(peek(1))) {
      next();
      q->select_value = true;
    }
    select_list(q->items, q->select_value);
    expect_from();
    next();  // FROM
    expect_operand("FROM");
    q->source = expression();
    int depth = q->source->depth;
    if (keyword(peek(), "AS")) {
      next();
      if (peek().kind != TokenKind::identifier || is_reserved(uppercase(peek().text)))
        fail(peek(), "expected a name after AS, found " + quote_token(peek()));
      q->alias = next().text;
    }
    if (keyword(peek(), "WHERE")) {
      next();
      expect_operand("WHERE");
      q->where = expression();
      depth = std::max(depth, q->where->depth);
    }
    if (!symbol(peek(), ")"))
      fail(peek(), "expected ')' to close the nested SELECT at " + position(open.offset) + ", found " +
                       quote_token(peek()));
    next();
    for (const auto& item : q->items)
      if (item.expr) depth = std::max(depth, item.expr->depth);
    auto e = make(kind, open.offset);
    e->depth = depth + 1;
    if (e->depth > kMaxDepth) fail_at(open.offset, "the expression nests too deeply (more than 100 levels)");
    e->query = std::move(q);
    return e;
  }

  std::vector<std::unique_ptr<Expr>> arguments(const Token& name) {
    next();  // (
    std::vector<std::unique_ptr<Expr>> args;
    if (symbol(peek(), ")")) {
      next();
      return args;
    }
    while (true) {
      if (symbol(peek(), "*") && (symbol(peek(1), ",") || symbol(peek(1), ")"))) {
        args.push_back(make(Expr::Kind::payload, next().offset));  // the whole payload
      } else {
        expect_operand(args.empty() ? "'('" : "','");
        args.push_back(expression());
      }
      if (symbol(peek(), ",")) {
        next();
        continue;
      }
      if (symbol(peek(), ")")) {
        next();
        return args;
      }
      fail(peek(), "expected ',' or ')' in the arguments of " + name.text + "(), found " + quote_token(peek()));
    }
  }

  std::unique_ptr<Expr> call(const Token& name) {
    const std::string lower = lowercase(name.text);
    if (lower == "cast") return cast(name);
    const FunctionDef* f = find_function(lower);
    if (!f) {
      std::string msg = "unknown function " + name.text + "()";
      if (auto guess = did_you_mean(lower, available_names()); !guess.empty()) msg += "; did you mean " + guess + "()?";
      fail(name, msg + " (docs/rules-sql.md lists the functions)");
    }
    if (!f->impl)
      fail(name, std::string(f->name) + "() is not available at the edge: " + f->unavailable);
    auto args = arguments(name);
    if (args.size() < f->min_args || args.size() > f->max_args) {
      std::string expected = f->min_args == f->max_args     ? std::to_string(f->min_args)
                             : f->max_args == kAnyCount      ? "at least " + std::to_string(f->min_args)
                             : f->max_args == f->min_args + 1 ? std::to_string(f->min_args) + " or " +
                                                                    std::to_string(f->max_args)
                                                              : std::to_string(f->min_args) + " to " +
                                                                    std::to_string(f->max_args);
      fail(name, std::string(f->name) + "() takes " + expected + " argument" + (expected == "1" ? "" : "s") +
                     ", given " + std::to_string(args.size()));
    }
    auto e = make(Expr::Kind::call, name.offset);
    e->function = f;
    e = with_operands(std::move(e), std::move(args));
    if (f->check)
      if (std::string why = f->check(*e); !why.empty()) fail(name, std::string(f->name) + "(): " + why);
    return e;
  }

  std::unique_ptr<Expr> cast(const Token& name) {
    next();  // (
    expect_operand("cast(");
    auto operand = expression();
    if (!keyword(peek(), "AS")) fail(peek(), "expected AS in cast(value AS type), found " + quote_token(peek()));
    next();
    const Token type = peek();
    if (type.kind != TokenKind::identifier) fail(type, "expected a type after AS: Int, Decimal, String or Bool");
    next();
    static const std::map<std::string, CastType> types = {
        {"int", CastType::integer},     {"integer", CastType::integer}, {"decimal", CastType::decimal},
        {"double", CastType::decimal},  {"string", CastType::string},   {"varchar", CastType::string},
        {"nvarchar", CastType::string}, {"text", CastType::string},     {"ntext", CastType::string},
        {"bool", CastType::boolean},    {"boolean", CastType::boolean}};
    auto it = types.find(lowercase(type.text));
    if (it == types.end()) fail(type, "unknown type " + type.text + " in cast(); use Int, Decimal, String or Bool");
    if (!symbol(peek(), ")")) fail(peek(), "expected ')' to close cast(, found " + quote_token(peek()));
    next();
    auto e = unary(Expr::Kind::cast, name.offset, std::move(operand));
    e->cast_type = it->second;
    return e;
  }

  std::unique_ptr<Expr> array_literal() {
    const Token open = next();
    auto e = make(Expr::Kind::array, open.offset);
    std::vector<std::unique_ptr<Expr>> items;
    if (!symbol(peek(), "]")) {
      while (true) {
        expect_operand(items.empty() ? "'['" : "','");
        items.push_back(expression());
        if (symbol(peek(), ",")) {
          next();
          continue;
        }
        if (!symbol(peek(), "]")) fail(peek(), "expected ',' or ']' in the array, found " + quote_token(peek()));
        break;
      }
    }
    next();
    return with_operands(std::move(e), std::move(items));
  }

  std::unique_ptr<Expr> object_literal() {
    const Token open = next();
    auto e = make(Expr::Kind::object, open.offset);
    std::vector<std::unique_ptr<Expr>> values;
    if (!symbol(peek(), "}")) {
      while (true) {
        const Token key = peek();
        if (key.kind != TokenKind::string && key.kind != TokenKind::identifier &&
            key.kind != TokenKind::quoted_identifier)
          fail(key, "expected a key in the object, e.g. {'name': value}, found " + quote_token(key));
        next();
        if (!symbol(peek(), ":")) fail(peek(), "expected ':' after the key, found " + quote_token(peek()));
        next();
        expect_operand("':'");
        e->keys.push_back(key.text);
        values.push_back(expression());
        if (symbol(peek(), ",")) {
          next();
          continue;
        }
        if (!symbol(peek(), "}")) fail(peek(), "expected ',' or '}' in the object, found " + quote_token(peek()));
        break;
      }
    }
    next();
    return with_operands(std::move(e), std::move(values));
  }

  Lexer lex_;
  const std::vector<Variable>* scope_ = nullptr;  // the SET variables @names refer to
  int nesting_ = 0;
};

}  // namespace

const char* to_string(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "+";
    case BinaryOp::sub: return "-";
    case BinaryOp::mul: return "*";
    case BinaryOp::div: return "/";
    case BinaryOp::mod: return "%";
    case BinaryOp::eq: return "=";
    case BinaryOp::ne: return "<>";
    case BinaryOp::lt: return "<";
    case BinaryOp::le: return "<=";
    case BinaryOp::gt: return ">";
    case BinaryOp::ge: return ">=";
    case BinaryOp::logical_and: return "AND";
    case BinaryOp::logical_or: return "OR";
    case BinaryOp::in: return "IN";
  }
  return "?";
}

ParsedStatement parse_statement(std::string_view sql) {
  ParsedStatement out;
  try {
    Parser p(sql, 0);
    out.statement = p.statement();
  } catch (const Failure& f) {
    out.error = f.error;
  }
  return out;
}

ParsedExpression parse_expression(std::string_view text, std::size_t offset, const Statement* scope) {
  ParsedExpression out;
  try {
    Parser p(text, offset, scope);
    out.expr = p.expression();
    out.end = p.current_offset();
  } catch (const Failure& f) {
    out.error = f.error;
  }
  return out;
}

std::string position_in(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  const bool multiline = text.find('\n') != std::string_view::npos;
  if (!multiline) return "column " + std::to_string(column);
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace edgebridge::rules
