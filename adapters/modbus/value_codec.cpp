#include "modbus/value_codec.hpp"

#include "core/json_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace edgebridge::modbus {
namespace {

int value_bytes(ValueType type) { return type == ValueType::string ? 2 : std::max(1, registers_for(type)) * 2; }

bool is_permutation_of_letters(const std::string& s, std::size_t n) {
  if (s.size() != n) return false;
  std::string sorted = s;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < n; ++i)
    if (sorted[i] != static_cast<char>('A' + i)) return false;
  return true;
}

// The value's bytes, most significant first, gathered from the wire by `order`.
std::array<std::uint8_t, 8> value_bytes_from_wire(const std::string& order, const std::uint16_t* words) {
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::uint16_t w = words[i / 2];
    const auto wire = static_cast<std::uint8_t>(i % 2 == 0 ? (w >> 8) : (w & 0xFF));
    out[static_cast<std::size_t>(order[i] - 'A')] = wire;
  }
  return out;
}

std::uint64_t big_endian(const std::array<std::uint8_t, 8>& bytes, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | bytes[i];
  return v;
}

// The shortest decimal that reads back as the same float: 21.4f publishes 21.4,
// not 21.399999618530273.
double float_as_decimal(float f) {
  if (!std::isfinite(f)) return static_cast<double>(f);
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, f);
  *res.ptr = '\0';
  return std::strtod(buf, nullptr);
}

double round_to(double v, int decimals) {
  if (decimals < 0 || !std::isfinite(v)) return v;
  const double factor = std::pow(10.0, decimals);
  const double r = std::round(v * factor) / factor;
  return std::isfinite(r) ? r : v;
}

std::string decode_string(const RegisterSpec& spec, const std::uint16_t* words) {
  std::string out;
  const bool swapped = spec.order == "BA";
  for (int i = 0; i < spec.length; ++i) {
    const std::uint16_t w = words[i];
    const auto hi = static_cast<char>(w >> 8);
    const auto lo = static_cast<char>(w & 0xFF);
    out += swapped ? lo : hi;
    out += swapped ? hi : lo;
  }
  if (auto nul = out.find('\0'); nul != std::string::npos) out.resize(nul);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  // Published as JSON text: anything but printable ASCII becomes '?'.
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) c = '?';
  return out;
}

}  // namespace

std::optional<std::string> expand_order(const std::string& text, ValueType type, std::string& why) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const auto n = static_cast<std::size_t>(value_bytes(type));
  const char* help =
      "; write the value's bytes in the order they arrive, 'A' the most significant: ABCD (big-endian, the "
      "Modbus standard), CDAB (word-swapped: low word first), BADC (byte-swapped), DCBA (little-endian)";
  if (n == 2) {
    if (upper == "AB" || upper == "ABCD" || upper == "CDAB") return std::string("AB");
    if (upper == "BA" || upper == "BADC" || upper == "DCBA") return std::string("BA");
    why = "\"" + text + "\" is not a byte order for a " + std::string(to_string(type)) +
          " (16-bit registers): use AB (high byte first, the standard) or BA (bytes swapped)";
    return std::nullopt;
  }
  if (n == 4) {
    if (is_permutation_of_letters(upper, 4)) return upper;
    why = "\"" + text + "\" is not a byte order for a " + std::string(to_string(type)) + help;
    return std::nullopt;
  }
  if (is_permutation_of_letters(upper, 8)) return upper;
  if (upper == "ABCD") return std::string("ABCDEFGH");
  if (upper == "CDAB") return std::string("GHEFCDAB");
  if (upper == "BADC") return std::string("BADCFEHG");
  if (upper == "DCBA") return std::string("HGFEDCBA");
  why = "\"" + text + "\" is not a byte order for a " + std::string(to_string(type)) +
        ": use ABCD, CDAB, BADC or DCBA (applied to all 8 bytes) or spell out all eight, e.g. ABCDEFGH";
  return std::nullopt;
}

std::string format_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return dump_json(nlohmann::json(v));
}

int effective_decimals(const RegisterSpec& spec) {
  if (spec.decimals >= 0) return spec.decimals;
  for (int k = 1; k <= 9; ++k) {
    const double p = std::pow(10.0, -k);
    if (std::fabs(spec.scale - p) <= p * 1e-9) return k;
  }
  return -1;
}

double decode_raw(const RegisterSpec& spec, const std::uint16_t* words) {
  if (is_bit_table(spec.table)) return words[0] != 0 ? 1.0 : 0.0;
  if (spec.type == ValueType::boolean) {
    const auto bytes = value_bytes_from_wire(spec.order, words);
    const auto w = static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
    return ((w >> spec.bit) & 1U) ? 1.0 : 0.0;
  }
  if (spec.type == ValueType::string) return 0.0;
  const auto n = static_cast<std::size_t>(value_bytes(spec.type));
  const std::uint64_t bits = big_endian(value_bytes_from_wire(spec.order, words), n);
  switch (spec.type) {
    case ValueType::int16: return static_cast<double>(static_cast<std::int16_t>(bits));
    case ValueType::uint16: return static_cast<double>(static_cast<std::uint16_t>(bits));
    case ValueType::int32: return static_cast<double>(static_cast<std::int32_t>(bits));
    case ValueType::uint32: return static_cast<double>(static_cast<std::uint32_t>(bits));
    case ValueType::int64: return static_cast<double>(static_cast<std::int64_t>(bits));
    case ValueType::uint64: return static_cast<double>(bits);
    case ValueType::float32: {
      const auto u = static_cast<std::uint32_t>(bits);
      float f;
      std::memcpy(&f, &u, sizeof f);
      return float_as_decimal(f);
    }
    case ValueType::float64: {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    default: return 0.0;
  }
}

nlohmann::json decode_value(const RegisterSpec& spec, const std::uint16_t* words) {
  if (is_bit_table(spec.table) || spec.type == ValueType::boolean) return decode_raw(spec, words) != 0.0;
  if (spec.type == ValueType::string) return decode_string(spec, words);

  const int decimals = effective_decimals(spec);
  const bool untouched = spec.scale == 1.0 && spec.offset == 0.0;
  if (is_integer(spec.type) && untouched && decimals < 0) {
    // Exact integers, even beyond 2^53.
    const auto n = static_cast<std::size_t>(value_bytes(spec.type));
    const std::uint64_t bits = big_endian(value_bytes_from_wire(spec.order, words), n);
    switch (spec.type) {
      case ValueType::int16: return static_cast<std::int64_t>(static_cast<std::int16_t>(bits));
      case ValueType::int32: return static_cast<std::int64_t>(static_cast<std::int32_t>(bits));
      case ValueType::int64: return static_cast<std::int64_t>(bits);
      default: return bits;  // unsigned types
    }
  }
  const double raw = decode_raw(spec, words);
  if (!std::isfinite(raw)) return nullptr;
  const double value = round_to(untouched ? raw : raw * spec.scale + spec.offset, decimals);
  if (!std::isfinite(value)) return nullptr;
  // Whole numbers print without ".0" when they fit an integer; a device's float
  // may be far larger (found by fuzz_modbus: 2.35e262 with decimals: 0).
  if (decimals == 0 && std::fabs(value) < 9.0e18) return static_cast<std::int64_t>(value);
  return value;
}

std::optional<std::vector<std::uint16_t>> encode_value(const RegisterSpec& spec, double value, std::string& why) {
  if (!std::isfinite(value)) {
    why = "the value is not a finite number";
    return std::nullopt;
  }
  if (spec.type == ValueType::string || spec.type == ValueType::boolean || is_bit_table(spec.table)) {
    why = std::string("a ") + to_string(spec.type) + " in the " + to_string(spec.table) +
          " table cannot be written as a number";
    return std::nullopt;
  }
  double raw = (value - spec.offset) / spec.scale;
  std::uint64_t bits = 0;
  auto out_of_range = [&](double lo, double hi) {
    why = "raw value " + format_number(raw) + " does not fit a " + to_string(spec.type) + " (" + format_number(lo) +
          " to " + format_number(hi) + ")";
    return std::nullopt;
  };
  if (is_integer(spec.type)) {
    raw = std::round(raw);
    double lo = 0, hi = 0;
    switch (spec.type) {
      case ValueType::int16: lo = -32768.0; hi = 32767.0; break;
      case ValueType::uint16: lo = 0; hi = 65535.0; break;
      case ValueType::int32: lo = -2147483648.0; hi = 2147483647.0; break;
      case ValueType::uint32: lo = 0; hi = 4294967295.0; break;
      case ValueType::int64: lo = -9223372036854775808.0; hi = 9223372036854774784.0; break;
      default: lo = 0; hi = 18446744073709549568.0; break;
    }
    if (raw < lo || raw > hi) return out_of_range(lo, hi);
    if (spec.type == ValueType::uint64 || (raw >= 0 && spec.type != ValueType::int64))
      bits = static_cast<std::uint64_t>(raw);
    else
      bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(raw));
  } else if (spec.type == ValueType::float32) {
    const double max = static_cast<double>(std::numeric_limits<float>::max());
    if (std::fabs(raw) > max) return out_of_range(-max, max);
    const auto f = static_cast<float>(raw);
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    bits = u;
  } else {
    std::memcpy(&bits, &raw, sizeof bits);
  }
  const auto n = static_cast<std::size_t>(value_bytes(spec.type));
  std::array<std::uint8_t, 8> be{};
  for (std::size_t i = 0; i < n; ++i) be[i] = static_cast<std::uint8_t>(bits >> (8 * (n - 1 - i)));
  std::vector<std::uint16_t> words(n / 2, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t byte = be[static_cast<std::size_t>(spec.order[i] - 'A')];
    if (i % 2 == 0)
      words[i / 2] = static_cast<std::uint16_t>(words[i / 2] | (byte << 8));
    else
      words[i / 2] = static_cast<std::uint16_t>(words[i / 2] | byte);
  }
  return words;
}

}  // namespace edgebridge::modbus
