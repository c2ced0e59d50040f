#include "config/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <utility>

namespace edgebridge {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Reads a non-negative decimal number at text[pos]; advances pos.
std::optional<double> read_number(const std::string& text, std::size_t& pos) {
  std::size_t start = pos;
  bool dot = false;
  while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || (text[pos] == '.' && !dot))) {
    if (text[pos] == '.') dot = true;
    ++pos;
  }
  if (pos == start || (pos == start + 1 && dot)) return std::nullopt;
  return std::strtod(text.substr(start, pos - start).c_str(), nullptr);
}

std::string read_word(const std::string& text, std::size_t& pos) {
  std::size_t start = pos;
  while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
  return text.substr(start, pos - start);
}

std::optional<double> unit_millis(const std::string& unit) {
  static const std::pair<const char*, double> units[] = {
      {"ms", 1.0},          {"s", 1000.0},       {"sec", 1000.0},      {"second", 1000.0},
      {"seconds", 1000.0},  {"m", 60'000.0},     {"min", 60'000.0},    {"minute", 60'000.0},
      {"minutes", 60'000.0}, {"h", 3'600'000.0}, {"hour", 3'600'000.0}, {"hours", 3'600'000.0},
      {"d", 86'400'000.0},  {"day", 86'400'000.0}, {"days", 86'400'000.0}};
  for (const auto& [name, factor] : units)
    if (unit == name) return factor;
  return std::nullopt;
}

void skip_spaces(const std::string& text, std::size_t& pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
}

std::optional<double> unit_bytes(const std::string& unit) {
  static const std::pair<const char*, double> units[] = {
      {"", 1.0},          {"B", 1.0},
      {"KB", 1e3},        {"MB", 1e6},          {"GB", 1e9},          {"TB", 1e12},
      {"KiB", 1024.0},    {"MiB", 1048576.0},   {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
  };
  for (const auto& [name, factor] : units)
    if (unit == name) return factor;
  return std::nullopt;
}

constexpr const char* kDurationHelp =
    "use a number followed by ms, s, m, h or d, e.g. 30s, 15m, 1h30m";
constexpr const char* kSizeHelp =
    "use a number of bytes, optionally followed by B, KB, MB, GB, KiB, MiB or GiB, e.g. 512MiB";

}  // namespace

std::optional<Duration> parse_duration(const std::string& raw, std::string& why) {
  const std::string text = trim(raw);
  if (text.empty()) {
    why = std::string("a duration cannot be empty; ") + kDurationHelp;
    return std::nullopt;
  }
  std::size_t pos = 0;
  double total = 0.0;
  while (pos < text.size()) {
    auto number = read_number(text, pos);
    if (!number) {
      why = "\"" + raw + "\" is not a duration; " + kDurationHelp;
      return std::nullopt;
    }
    skip_spaces(text, pos);
    std::string unit = read_word(text, pos);
    skip_spaces(text, pos);
    if (unit.empty()) {
      why = "\"" + raw + "\" has no unit; " + kDurationHelp;
      return std::nullopt;
    }
    auto factor = unit_millis(unit);
    if (!factor) {
      why = "\"" + raw + "\" has an unknown unit \"" + unit + "\"; " + kDurationHelp;
      return std::nullopt;
    }
    total += *number * *factor;
  }
  if (total > 1e15) {
    why = "\"" + raw + "\" is too long a duration";
    return std::nullopt;
  }
  return Duration(static_cast<Duration::rep>(std::llround(total)));
}

std::optional<std::uint64_t> parse_size(const std::string& raw, std::string& why) {
  const std::string text = trim(raw);
  std::size_t pos = 0;
  auto number = read_number(text, pos);
  std::string unit = trim(text.substr(pos));
  auto factor = unit_bytes(unit);
  if (!number || !factor) {
    why = "\"" + raw + "\" is not a size; " + kSizeHelp;
    return std::nullopt;
  }
  double bytes = *number * *factor;
  if (bytes > 1.8e19) {
    why = "\"" + raw + "\" is too large";
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(std::llround(bytes));
}

namespace {
std::optional<double> per_unit_seconds(const std::string& unit) {
  if (unit == "s" || unit == "sec") return 1.0;
  if (unit == "m" || unit == "min") return 60.0;
  if (unit == "h") return 3600.0;
  return std::nullopt;
}
}  // namespace

std::optional<Rate> parse_rate(const std::string& raw, std::string& why) {
  const std::string text = trim(raw);
  if (text == "unlimited" || text == "0") return Rate{0.0};
  auto slash = text.find('/');
  const char* help = "use a count per time unit, e.g. 100/s, 6000/min, or \"unlimited\"";
  if (slash == std::string::npos) {
    why = "\"" + raw + "\" is not a rate; " + help;
    return std::nullopt;
  }
  std::size_t pos = 0;
  std::string count_text = trim(text.substr(0, slash));
  auto count = read_number(count_text, pos);
  auto per = per_unit_seconds(trim(text.substr(slash + 1)));
  if (!count || pos != count_text.size() || !per) {
    why = "\"" + raw + "\" is not a rate; " + help;
    return std::nullopt;
  }
  return Rate{*count / *per};
}

std::optional<Rate> parse_byte_rate(const std::string& raw, std::string& why) {
  const std::string text = trim(raw);
  if (text == "unlimited" || text == "0") return Rate{0.0};
  auto slash = text.find('/');
  const char* help = "use a size per time unit, e.g. 1MiB/s, 500KB/s, or \"unlimited\"";
  if (slash == std::string::npos) {
    why = "\"" + raw + "\" is not a byte rate; " + help;
    return std::nullopt;
  }
  std::string ignored;
  auto bytes = parse_size(text.substr(0, slash), ignored);
  auto per = per_unit_seconds(trim(text.substr(slash + 1)));
  if (!bytes || !per) {
    why = "\"" + raw + "\" is not a byte rate; " + help;
    return std::nullopt;
  }
  return Rate{static_cast<double>(*bytes) / *per};
}

std::string format_duration(Duration d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  std::ostringstream out;
  if (ms % 1000 != 0 && ms < 60'000) {
    if (ms >= 1000) {
      out << ms / 1000 << 's';
      ms %= 1000;
    }
    out << ms << "ms";
    return out.str();
  }
  long long s = ms / 1000;
  const std::pair<long long, const char*> parts[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (const auto& [len, name] : parts) {
    if (s >= len) {
      out << s / len << name;
      s %= len;
    }
  }
  if (ms % 1000 != 0) out << ms % 1000 << "ms";
  return out.str();
}

std::string format_size(std::uint64_t bytes) {
  const std::pair<std::uint64_t, const char*> units[] = {
      {1ULL << 40, "TiB"}, {1ULL << 30, "GiB"}, {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}};
  for (const auto& [factor, name] : units)
    if (bytes >= factor && bytes % factor == 0) return std::to_string(bytes / factor) + name;
  return std::to_string(bytes) + "B";
}

std::string format_rate(Rate r) {
  if (r.unlimited()) return "unlimited";
  std::ostringstream out;
  out << r.per_second << "/s";
  return out.str();
}

}  // namespace edgebridge
