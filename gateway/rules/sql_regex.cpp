#include "rules/sql_regex.hpp"

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <list>
#include <utility>

namespace edgebridge::rules {

namespace {

// ICU counts "steps of the match engine", roughly milliseconds: a match that
// takes longer is abandoned. The backtrack stack (heap, not the thread's
// stack) is capped too.
constexpr int32_t kTimeLimit = 50;
constexpr int32_t kStackLimitBytes = 1 << 20;
constexpr std::size_t kCacheSize = 16;

icu::UnicodeString from_utf8(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

std::string to_utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

}  // namespace

class Regex {
 public:
  explicit Regex(std::unique_ptr<icu::RegexPattern> p) : pattern(std::move(p)) {}
  std::unique_ptr<icu::RegexPattern> pattern;

  // A matcher on `text` with the limits set; null on failure.
  std::unique_ptr<icu::RegexMatcher> matcher(const icu::UnicodeString& text) const {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::RegexMatcher> m(pattern->matcher(text, status));
    if (U_FAILURE(status)) return nullptr;
    m->setTimeLimit(kTimeLimit, status);
    m->setStackLimit(kStackLimitBytes, status);
    if (U_FAILURE(status)) return nullptr;
    return m;
  }
};

std::shared_ptr<const Regex> compile_regex(std::string_view pattern, std::string& error) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  std::unique_ptr<icu::RegexPattern> p(icu::RegexPattern::compile(from_utf8(pattern), 0, where, status));
  if (U_FAILURE(status) || !p) {
    error = std::string(u_errorName(status));
    if (where.offset >= 0) error += " at character " + std::to_string(where.offset + 1);
    return nullptr;
  }
  return std::make_shared<const Regex>(std::move(p));
}

std::shared_ptr<const Regex> cached_regex(std::string_view pattern) {
  thread_local std::list<std::pair<std::string, std::shared_ptr<const Regex>>> cache;
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first != pattern) continue;
    cache.splice(cache.begin(), cache, it);
    return cache.front().second;
  }
  std::string error;
  auto re = compile_regex(pattern, error);
  if (!re) return nullptr;
  cache.emplace_front(std::string(pattern), re);
  if (cache.size() > kCacheSize) cache.pop_back();
  return re;
}

std::optional<bool> regex_find(const Regex& re, std::string_view text) {
  const icu::UnicodeString u = from_utf8(text);
  auto m = re.matcher(u);
  if (!m) return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  const bool found = m->find(status);
  if (U_FAILURE(status)) return std::nullopt;
  return found;
}

std::optional<std::string> regex_first(const Regex& re, std::string_view text) {
  const icu::UnicodeString u = from_utf8(text);
  auto m = re.matcher(u);
  if (!m) return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  if (!m->find(status) || U_FAILURE(status)) return std::nullopt;
  icu::UnicodeString g = m->group(status);
  if (U_FAILURE(status)) return std::nullopt;
  return to_utf8(g);
}

std::optional<std::string> regex_replace_all(const Regex& re, std::string_view text, std::string_view replacement) {
  const icu::UnicodeString u = from_utf8(text);
  auto m = re.matcher(u);
  if (!m) return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString out = m->replaceAll(from_utf8(replacement), status);
  if (U_FAILURE(status)) return std::nullopt;
  return to_utf8(out);
}

}  // namespace edgebridge::rules
