#pragma once
// Parsing of the human units bridge.yaml uses: durations ("30s", "15m", "1h30m",
// "250ms", "7d"), sizes ("512MiB", "1GB", "4096") and rates ("100/s", "6000/min",
// "1MiB/s"). Each parser returns nullopt and fills `why` when the text is invalid.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace edgebridge {

using Duration = std::chrono::milliseconds;

// A number of things per second (messages or bytes).
struct Rate {
  double per_second = 0.0;  // 0 = unlimited
  bool unlimited() const { return per_second <= 0.0; }
};

std::optional<Duration> parse_duration(const std::string& text, std::string& why);
std::optional<std::uint64_t> parse_size(const std::string& text, std::string& why);
// Message rates: "100/s", "6000/min", "2/h". "unlimited" or "0" = no limit.
std::optional<Rate> parse_rate(const std::string& text, std::string& why);
// Byte rates: "1MiB/s", "500KB/s", "unlimited".
std::optional<Rate> parse_byte_rate(const std::string& text, std::string& why);

std::string format_duration(Duration d);   // "15m", "1h30m", "250ms"
std::string format_size(std::uint64_t bytes);  // "512MiB", "1000B"
std::string format_rate(Rate r);           // "100/s", "unlimited"

}  // namespace edgebridge
