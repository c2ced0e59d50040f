#include "rules/sql_time.hpp"

#include <unicode/gregocal.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <list>
#include <memory>
#include <utility>

namespace edgebridge::rules {

namespace {

constexpr std::size_t kCacheSize = 16;

icu::UnicodeString from_utf8(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Splits a pattern into runs of one letter, quoted text and other characters,
// and maps each run of `letter` x `count` through `map` (which appends the ICU
// run, or returns false). Quoted text and other characters pass unchanged.
template <typename Map>
std::optional<std::string> translate(std::string_view pattern, std::string& error, Map map) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {
      const std::size_t start = i++;
      while (i < pattern.size()) {
        if (pattern[i] == '\'') {
          if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      if (i >= pattern.size()) {
        error = "an unclosed quote in the pattern";
        return std::nullopt;
      }
      ++i;
      out.append(pattern.substr(start, i - start));
      continue;
    }
    if (!is_letter(c)) {
      out += c;
      ++i;
      continue;
    }
    std::size_t count = 0;
    while (i < pattern.size() && pattern[i] == c) {
      ++count;
      ++i;
    }
    if (!map(c, count, out)) {
      error = std::string("the pattern letter '") + c + "' is not supported";
      return std::nullopt;
    }
  }
  return out;
}

// An ICU time zone for an AWS/Joda zone ID; null when unknown.
std::unique_ptr<icu::TimeZone> make_zone(std::string_view zone) {
  std::string id(zone);
  if (!id.empty() && (id[0] == '+' || id[0] == '-')) id = "GMT" + id;  // Joda's "+01:00"
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(from_utf8(id)));
  if (!tz || *tz == icu::TimeZone::getUnknown()) return nullptr;
  return tz;
}

// A formatter with an ISO calendar (proleptic Gregorian, weeks from Monday,
// the first week has 4 days), US English names, in `zone`.
std::unique_ptr<icu::SimpleDateFormat> make_format(const std::string& icu_pattern, const icu::TimeZone& zone) {
  UErrorCode status = U_ZERO_ERROR;
  auto fmt = std::make_unique<icu::SimpleDateFormat>(from_utf8(icu_pattern), icu::Locale::getUS(), status);
  if (U_FAILURE(status)) return nullptr;
  auto cal = std::make_unique<icu::GregorianCalendar>(zone, icu::Locale::getUS(), status);
  if (U_FAILURE(status)) return nullptr;
  cal->setGregorianChange(-8.64e15, status);  // proleptic, as Joda's ISO chronology
  cal->setFirstDayOfWeek(UCAL_MONDAY);
  cal->setMinimalDaysInFirstWeek(4);
  fmt->adoptCalendar(cal.release());
  fmt->setTimeZone(zone);
  return fmt;
}

// A per-thread cache of formatters by (pattern, zone): building one costs
// far more than using it.
icu::SimpleDateFormat* cached_format(const std::string& icu_pattern, std::string_view zone) {
  thread_local std::list<std::pair<std::string, std::unique_ptr<icu::SimpleDateFormat>>> cache;
  std::string key = icu_pattern;
  key += '\0';
  key.append(zone);
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first != key) continue;
    cache.splice(cache.begin(), cache, it);
    return cache.front().second.get();
  }
  auto tz = make_zone(zone);
  if (!tz) return nullptr;
  auto fmt = make_format(icu_pattern, *tz);
  if (!fmt) return nullptr;
  cache.emplace_front(std::move(key), std::move(fmt));
  if (cache.size() > kCacheSize) cache.pop_back();
  return cache.front().second.get();
}

// java.time parses a zone ID or an offset ("UTC+01:00") under both z and VV;
// ICU's z takes names and offsets, its VV IDs. `alternate` swaps them.
std::optional<std::string> java_variant(std::string_view pattern, std::string& error, bool alternate) {
  return translate(pattern, error, [alternate](char c, std::size_t n, std::string& out) {
    switch (c) {
      case 'G': case 'y': case 'D': case 'M': case 'L': case 'd': case 'Q': case 'q': case 'Y': case 'w':
      case 'W': case 'E': case 'e': case 'c': case 'F': case 'a': case 'h': case 'K': case 'k': case 'H':
      case 'm': case 's': case 'S': case 'O': case 'X': case 'x': case 'Z':
        out.append(n, c);
        return true;
      case 'u': out.append(n, 'y'); return true;  // java.time: proleptic year
      case 'z':
        if (alternate) out += "VV";
        else out.append(n, 'z');
        return true;
      case 'V':
        if (n != 2) return false;  // java.time: VV only
        out += alternate ? "z" : "VV";
        return true;
      default: return false;  // A, n, N, p, [ ] and letters java.time does not have
    }
  });
}

}  // namespace

std::optional<std::string> joda_to_icu(std::string_view joda, std::string& error) {
  return translate(joda, error, [](char c, std::size_t n, std::string& out) {
    switch (c) {
      case 'G': case 'E': case 'y': case 'D': case 'M': case 'd': case 'a': case 'K': case 'h': case 'H':
      case 'k': case 'm': case 's': case 'S': case 'w': case 'e':
        out.append(n, c);
        return true;
      case 'Y': out.append(n, 'y'); return true;  // Joda: year of era
      case 'x': out.append(n, 'Y'); return true;  // Joda: ISO week-based year
      case 'z': out.append(n >= 4 ? 4 : n, 'z'); return true;
      case 'Z':  // Joda: Z -0800, ZZ -08:00, ZZZ America/Los_Angeles
        out += n == 1 ? "xx" : n == 2 ? "xxx" : "VV";
        return true;
      default: return false;  // C (century) and letters Joda does not have
    }
  });
}

std::optional<std::string> java_time_to_icu(std::string_view pattern, std::string& error) {
  return java_variant(pattern, error, false);
}

bool valid_time_zone(std::string_view zone) { return make_zone(zone) != nullptr; }

std::optional<std::string> format_time(std::string_view joda_pattern, std::int64_t epoch_ms, std::string_view zone) {
  std::string error;
  auto icu_pattern = joda_to_icu(joda_pattern, error);
  if (!icu_pattern) return std::nullopt;
  icu::SimpleDateFormat* fmt = cached_format(*icu_pattern, zone);
  if (!fmt) return std::nullopt;
  icu::UnicodeString out;
  fmt->format(static_cast<UDate>(epoch_ms), out);
  std::string utf8;
  out.toUTF8String(utf8);
  return utf8;
}

std::optional<std::int64_t> parse_time_to_epoch(std::string_view text, std::string_view pattern) {
  const icu::UnicodeString u = from_utf8(text);
  for (bool alternate : {false, true}) {
    std::string error;
    auto icu_pattern = java_variant(pattern, error, alternate);
    if (!icu_pattern) return std::nullopt;
    icu::SimpleDateFormat* fmt = cached_format(*icu_pattern, "UTC");
    if (!fmt) return std::nullopt;
    fmt->setTimeZone(*icu::TimeZone::getGMT());  // parsing a zone changes it
    icu::ParsePosition pos(0);
    const UDate when = fmt->parse(u, pos);
    if (pos.getErrorIndex() < 0 && pos.getIndex() == u.length()) return static_cast<std::int64_t>(when);
  }
  return std::nullopt;
}

}  // namespace edgebridge::rules
