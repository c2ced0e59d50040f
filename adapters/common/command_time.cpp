#include "command_time.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "config/units.hpp"

namespace edgebridge {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool digits(const std::string& s, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::string format_rfc3339(SystemTime t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  long long secs = ms / 1000;
  long long frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::string format_for_people(std::chrono::milliseconds d, bool round_up) {
  auto ms = d.count();
  if (ms < 0) ms = 0;
  if (ms < 1000) return std::to_string(ms) + "ms";
  const long long secs = round_up ? (ms + 999) / 1000 : (ms + 500) / 1000;
  return format_duration(std::chrono::milliseconds(secs * 1000));
}

std::optional<SystemTime> parse_rfc3339(const std::string& s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return std::nullopt;
  static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return std::nullopt;
  const int max_day = month_days[month - 1] + (month == 2 && leap(year) ? 1 : 0);
  if (day > max_day || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 19;
  long long millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    long long scale = 100;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  long long offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const long long days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const long long secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return SystemTime(std::chrono::milliseconds(secs * 1000 + millis));
}

std::optional<SystemTime> command_issued_at(const nlohmann::json* payload, const Message& message, std::string& why) {
  if (!payload || !payload->is_object()) return message.received_at;
  auto it = payload->find("ts");
  if (it == payload->end()) return message.received_at;
  if (it->is_number()) {
    const double ms = it->get<double>();
    // Epoch milliseconds between 2001 and 2286: anything else is a unit mistake (seconds?).
    if (ms >= 1e12 && ms < 1e13) return SystemTime(std::chrono::milliseconds(static_cast<long long>(ms)));
    why = "\"ts\" " + it->dump() + " is not a time in epoch milliseconds";
    return std::nullopt;
  }
  if (it->is_string()) {
    if (auto t = parse_rfc3339(it->get<std::string>())) return t;
    why = "\"ts\" \"" + it->get<std::string>() + "\" is not an RFC 3339 time (e.g. 2024-05-01T12:00:00Z)";
    return std::nullopt;
  }
  why = "\"ts\" must be an RFC 3339 string or epoch milliseconds";
  return std::nullopt;
}

}  // namespace edgebridge
