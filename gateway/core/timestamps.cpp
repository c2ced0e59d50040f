#include "core/timestamps.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/echo.hpp"

namespace edgebridge {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool digits(const std::string& s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_rfc3339_ms(WallClock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  long long seconds = ms / 1000;
  long long millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::optional<WallClock::time_point> parse_rfc3339(const std::string& s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > month_days[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits: years 1678-2261. Keep well inside.
  if (year < 1970 || year > 2200) return std::nullopt;
  std::size_t pos = 19;
  double fraction = 0.0;
  if (pos < s.size() && s[pos] == '.') {
    double scale = 0.1;
    ++pos;
    const std::size_t first = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      fraction += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  long long offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = (s[pos] == '+' ? 1 : -1) * (oh * 60LL + om);
    pos += 6;
  } else {
    return std::nullopt;  // RFC 3339 requires a zone
  }
  if (pos != s.size()) return std::nullopt;
  const long long days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const long long seconds = days * 86400 + hour * 3600LL + minute * 60LL + second - offset_minutes * 60;
  const auto ms = seconds * 1000 + static_cast<long long>(std::llround(fraction * 1000.0));
  return WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(std::chrono::milliseconds(ms)));
}

std::optional<WallClock::time_point> command_issued_at(const nlohmann::json& payload,
                                                       WallClock::time_point received_at, std::string& why) {
  if (!payload.is_object()) return received_at;
  auto it = payload.find("ts");
  if (it == payload.end() || it->is_null()) return received_at;
  if (it->is_number()) {
    const double ms = it->get<double>();
    // Epoch milliseconds from 2001-09-09 to 2200-01-01 (parse_rfc3339 stops in 2200 too): below it is
    // a unit mistake (seconds?); far above it system_clock's 64-bit nanoseconds overflow (after 2262).
    constexpr double earliest_ms = 1e12;
    constexpr double latest_ms = 7258118400000.0;  // 2200-01-01T00:00:00Z
    if (std::isfinite(ms) && ms >= earliest_ms && ms < latest_ms)
      return WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(
          std::chrono::milliseconds(static_cast<long long>(ms))));
    why = "\"ts\" " + it->dump() +
          " is not a time in epoch milliseconds between 2001 and 2200 (seconds instead of milliseconds?)";
    return std::nullopt;
  }
  if (it->is_string()) {
    if (auto t = parse_rfc3339(it->get<std::string>())) return t;
    why = "\"ts\" \"" + echo_text(it->get_ref<const std::string&>()) +
          "\" is not an RFC 3339 time (e.g. 2026-03-01T12:00:00Z)";
    return std::nullopt;
  }
  why = "\"ts\" must be an RFC 3339 string or epoch milliseconds";
  return std::nullopt;
}

}  // namespace edgebridge
