#pragma once
// Small seeds that stand for deep and huge inputs, shared by the fuzz targets
// of surfaces that take JSON from outside.
//
// An input that starts with byte 0x01 and a count byte k stands for the rest
// repeated (k + 1) * 1000 times, each repeated part at most `max` bytes:
//   "\x01\x3b[\x02]"             60,000 '[' then 60,000 ']' ('\x02' splits what
//                                opens from what closes; each part is repeated)
//   "\x01\x3bH\x03[\x02]\x03T"   H once, then the same, then T once ('\x03'
//                                marks a head and a tail that are not repeated)
// Any other input is itself. The default `max` (300 KiB) is past the 256 KiB
// parse bound (core/json_limits.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

namespace edgebridge::fuzz {

inline std::string repeated(const std::string& unit, std::size_t times, std::size_t max) {
  std::string out;
  while (!unit.empty() && out.size() < max && out.size() < unit.size() * times) out += unit;
  return out;
}

inline std::string expand_input(const std::uint8_t* data, std::size_t size, std::size_t max = 300 * 1024) {
  std::string text(reinterpret_cast<const char*>(data), size);  // not const: returned by move
  if (size < 3 || data[0] != 0x01) return text;
  const std::size_t times = (static_cast<std::size_t>(data[1]) + 1) * 1000;
  std::string rest = text.substr(2), head, tail;
  if (const auto h = rest.find('\x03'); h != std::string::npos) {
    const auto t = rest.rfind('\x03');
    head = rest.substr(0, h);
    if (t > h) {
      tail = rest.substr(t + 1);
      rest = rest.substr(h + 1, t - h - 1);
    } else {
      rest = rest.substr(h + 1);
    }
  }
  const auto split = rest.find('\x02');
  if (split == std::string::npos) return head + repeated(rest, times, max) + tail;
  return head + repeated(rest.substr(0, split), times, max) + repeated(rest.substr(split + 1), times, max) + tail;
}

}  // namespace edgebridge::fuzz
