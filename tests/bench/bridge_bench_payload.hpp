#pragma once
// The payload bridge_bench_pub sends and bridge_bench_sub measures: a text
// header "<seq> <send time>\n" (both 20 decimal digits, the send time in
// nanoseconds of CLOCK_MONOTONIC, which every process on the machine shares),
// padded with 'x' to the requested size. Text, so a stray message is readable
// in a broker log or mosquitto_sub.

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace bridge_bench {

constexpr std::size_t kHeaderBytes = 42;  // 20 digits, space, 20 digits, newline

inline std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Writes the header into `buf` (at least kHeaderBytes long; the padding is the caller's).
inline void write_header(char* buf, std::uint64_t seq, std::uint64_t sent_ns) {
  char header[kHeaderBytes + 1];
  std::snprintf(header, sizeof header, "%020llu %020llu\n", static_cast<unsigned long long>(seq),
                static_cast<unsigned long long>(sent_ns));
  std::memcpy(buf, header, kHeaderBytes);
}

// False if the payload does not start with a header.
inline bool read_header(const void* payload, std::size_t len, std::uint64_t& seq, std::uint64_t& sent_ns) {
  if (len < kHeaderBytes) return false;
  const char* p = static_cast<const char*>(payload);
  if (p[20] != ' ' || p[41] != '\n') return false;
  seq = 0;
  sent_ns = 0;
  for (int i = 0; i < 20; ++i) {
    if (p[i] < '0' || p[i] > '9' || p[21 + i] < '0' || p[21 + i] > '9') return false;
    seq = seq * 10 + static_cast<std::uint64_t>(p[i] - '0');
    sent_ns = sent_ns * 10 + static_cast<std::uint64_t>(p[21 + i] - '0');
  }
  return true;
}

// "--name value" options: the value after `name`, or `fallback`.
inline std::string option(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

inline bool flag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return true;
  return false;
}

inline std::uint64_t number(int argc, char** argv, const char* name, std::uint64_t fallback) {
  const std::string text = option(argc, argv, name, "");
  return text.empty() ? fallback : std::strtoull(text.c_str(), nullptr, 10);
}

}  // namespace bridge_bench
