#include "rules/substitution.hpp"

#include <cctype>

namespace edgebridge::rules {

std::optional<Template> Template::parse(std::string_view text, SqlError& error, const Statement* scope) {
  Template t;
  t.source_ = std::string(text);
  std::string literal;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      literal += text[i++];
      continue;
    }
    if (!literal.empty()) t.segments_.push_back({std::move(literal), nullptr});
    literal.clear();
    const std::size_t open = i;
    auto parsed = parse_expression(text, i + 2, scope);
    if (parsed.error) {
      error = *parsed.error;
      return std::nullopt;
    }
    std::size_t end = parsed.end;
    if (end >= text.size() || text[end] != '}') {
      error = {end, "expected '}' to close the \"${\" at " + position_in(text, open)};
      return std::nullopt;
    }
    t.segments_.push_back({{}, std::move(parsed.expr)});
    i = end + 1;
  }
  if (!literal.empty()) t.segments_.push_back({std::move(literal), nullptr});
  return t;
}

std::string Template::render(const EvalInput& input) const {
  std::string out;
  for (const auto& s : segments_) {
    if (!s.expr) {
      out += s.text;
      continue;
    }
    if (auto text = to_text(evaluate(*s.expr, input))) out += *text;
  }
  return out;
}

bool Template::has_expressions() const {
  for (const auto& s : segments_)
    if (s.expr) return true;
  return false;
}

std::string Template::literal_text() const {
  std::string out;
  for (const auto& s : segments_) out += s.text;
  return out;
}

const Expr* Template::sole_expression() const {
  return segments_.size() == 1 && segments_[0].expr ? segments_[0].expr.get() : nullptr;
}

namespace {

void collect(const nlohmann::json& node, const nlohmann::json::json_pointer& at,
             std::vector<std::pair<nlohmann::json::json_pointer, Template>>& slots, SqlError& error,
             std::string& where, bool& ok, const Statement* scope) {
  if (!ok) return;
  if (node.is_string()) {
    const auto& text = node.get_ref<const std::string&>();
    if (text.find("${") == std::string::npos) return;
    auto t = Template::parse(text, error, scope);
    if (!t) {
      error.message = position_in(text, error.offset) + ": " + error.message;
      where = at.to_string();
      ok = false;
      return;
    }
    slots.emplace_back(at, std::move(*t));
  } else if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) collect(it.value(), at / it.key(), slots, error, where, ok, scope);
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) collect(node[i], at / i, slots, error, where, ok, scope);
  }
}

}  // namespace

std::optional<JsonTemplate> JsonTemplate::parse(const nlohmann::json& document, SqlError& error, std::string& where,
                                               const Statement* scope) {
  JsonTemplate t;
  t.document_ = document;
  bool ok = true;
  collect(t.document_, nlohmann::json::json_pointer(), t.slots_, error, where, ok, scope);
  if (!ok) return std::nullopt;
  return t;
}

nlohmann::json JsonTemplate::render(const EvalInput& input) const {
  nlohmann::json out = document_;
  // Last slot first: leaving out an array element then cannot move an earlier one.
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    const auto& [pointer, tmpl] = *it;
    nlohmann::json value;
    if (const Expr* sole = tmpl.sole_expression()) {
      Value v = evaluate(*sole, input);
      if (v.undefined()) {
        if (pointer.empty()) return nlohmann::json();
        nlohmann::json& parent = out.at(pointer.parent_pointer());
        if (parent.is_object())
          parent.erase(pointer.back());
        else
          out.at(pointer) = nullptr;
        continue;
      }
      value = v.to_json();
    } else {
      value = tmpl.render(input);
    }
    if (pointer.empty())
      out = std::move(value);
    else
      out.at(pointer) = std::move(value);
  }
  return out;
}

}  // namespace edgebridge::rules
