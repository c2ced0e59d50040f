#pragma once
// parse_time() and time_to_epoch(): date/time patterns as AWS IoT takes them
// (Joda-Time's DateTimeFormat for parse_time, java.time's DateTimeFormatter
// for time_to_epoch), formatted and parsed with ICU's SimpleDateFormat after
// translating the pattern. docs/rules-sql.md lists the letters supported.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgebridge::rules {

// The ICU pattern for a Joda-Time pattern; nullopt and `error` for a letter
// Joda does not have or this translation does not support.
std::optional<std::string> joda_to_icu(std::string_view joda, std::string& error);
// The ICU pattern for a java.time DateTimeFormatter pattern, likewise.
std::optional<std::string> java_time_to_icu(std::string_view pattern, std::string& error);
// Whether `zone` names a time zone (tz database ID, UTC, or an offset such
// as +01:00 or GMT-8).
bool valid_time_zone(std::string_view zone);

// parse_time: `epoch_ms` in `zone`, formatted with a Joda pattern.
std::optional<std::string> format_time(std::string_view joda_pattern, std::int64_t epoch_ms, std::string_view zone);
// time_to_epoch: `text` parsed with a java.time pattern (UTC when the text has no zone).
std::optional<std::int64_t> parse_time_to_epoch(std::string_view text, std::string_view pattern);

}  // namespace edgebridge::rules
