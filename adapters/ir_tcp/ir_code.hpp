#pragma once
// One infrared code as the iTach plays it: a carrier frequency and a list of
// on/off durations counted in carrier periods, with a repeat count and the
// offset the repeats start from. Parsed from the iTach's own `sendir` text or
// from Pronto hex, validated, and turned back into a `sendir` line with an id
// chosen per send.
//
// sendir,<module>:<connector>,<id>,<frequency>,<repeat>,<offset>,<on1>,<off1>,...
//   module, connector  1-99 (the iTach IP2IR has 1:1, 1:2, 1:3)
//   id                 0-65535, echoed in completeir/busyIR
//   frequency          15000-500000 Hz
//   repeat             1-50 plays of the code
//   offset             odd, 1-based index of the on-value repeats start from
//   on/off values      1-65535 carrier periods, in pairs; at most 260 pairs

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace edgebridge::ir_tcp {

struct IrConnector {
  int module = 1;
  int connector = 1;
  std::string text() const;  // "1:1"
  friend bool operator==(const IrConnector& a, const IrConnector& b) {
    return a.module == b.module && a.connector == b.connector;
  }
};

// "1:3" → {1, 3}; nullopt (and `why`) when it is not module:connector.
std::optional<IrConnector> parse_connector(const std::string& text, std::string& why);

constexpr int kIrMinFrequency = 15'000;
constexpr int kIrMaxFrequency = 500'000;
constexpr int kIrMaxRepeat = 50;
constexpr int kIrMaxId = 65'535;
constexpr std::size_t kIrMaxPairs = 260;

struct IrCode {
  IrConnector connector;
  int id = 1;
  int frequency = 38'000;
  int repeat = 1;
  int offset = 1;
  std::vector<int> timings;  // on1, off1, on2, off2, ...

  // The command line without the trailing carriage return.
  std::string sendir(int send_id, int repeat_override = 0) const;
  // How long the iTach takes to play it (first play plus the repeats).
  std::chrono::milliseconds play_time(int repeat_override = 0) const;
};

// Checks every field against the ranges above; empty when valid.
std::string ir_code_problem(const IrCode& code);

// Parses "sendir,1:1,1,38000,1,1,343,171,...". Whitespace around fields is
// ignored. Compressed codes (letters standing for repeated pairs) are refused
// with a hint to turn compression off in iLearn.
std::optional<IrCode> parse_sendir(const std::string& text, std::string& why);

// Parses learned Pronto hex ("0000 006D 0022 0002 0157 00AC ..."): word 0 must be
// 0000 (learned, modulated); frequency = 1,000,000 / (word1 × 0.241246) Hz,
// rounded; the once and repeat sequences become one timing list and the offset
// points at the repeat sequence. The connector is 1:1 unless overridden.
std::optional<IrCode> parse_pronto(const std::string& text, std::string& why);

// Either format: text starting with "sendir" is sendir, otherwise Pronto.
std::optional<IrCode> parse_ir_code(const std::string& text, std::string& why);

}  // namespace edgebridge::ir_tcp
