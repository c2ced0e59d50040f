#pragma once
// Regular expressions for regexp_matches, regexp_replace and regexp_substr,
// with ICU's engine: its syntax and replacement strings ($1, ${name}) follow
// java.util.regex, the dialect AWS IoT documents (docs/rules-sql.md lists the
// differences). Matching is bounded in time and memory: a pattern that
// backtracks without end on a long payload gives Undefined, not a stall.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace edgebridge::rules {

class Regex;  // a compiled pattern, safe to share between threads

// Compiles `pattern`; null and `error` when it is not a valid expression.
std::shared_ptr<const Regex> compile_regex(std::string_view pattern, std::string& error);
// A compiled pattern from a small per-thread cache (patterns computed per message).
std::shared_ptr<const Regex> cached_regex(std::string_view pattern);

// nullopt: the match ran out of its time or memory budget.
std::optional<bool> regex_find(const Regex& re, std::string_view text);
// The first match; nullopt when none (or out of budget).
std::optional<std::string> regex_first(const Regex& re, std::string_view text);
// Every match replaced; nullopt when the replacement is invalid or out of budget.
std::optional<std::string> regex_replace_all(const Regex& re, std::string_view text, std::string_view replacement);

}  // namespace edgebridge::rules
