#pragma once
// What one entry of a Modbus device's `registers:` list says: where a value
// lives on the device (table, address, how many registers) and how its bytes
// become a number, a bool or a string.

#include <cstdint>
#include <string>

#include "config/diagnostics.hpp"

namespace edgebridge::modbus {

// The four Modbus data tables. Coils and discrete inputs hold bits; input and
// holding registers hold 16-bit words. Coils and holding registers are writable.
enum class Table { coil, discrete, input, holding };

enum class ValueType { boolean, int16, uint16, int32, uint32, float32, int64, uint64, float64, string };

const char* to_string(Table t);
const char* to_string(ValueType t);
bool is_bit_table(Table t);
// Registers a value of this type takes (1, 2 or 4); 0 for bool and string.
int registers_for(ValueType t);
bool is_integer(ValueType t);

struct RegisterSpec {
  std::string name;
  Table table = Table::holding;
  std::uint16_t address = 0;  // protocol address, 0-based (a manual's "40011" is holding 10)
  ValueType type = ValueType::uint16;
  // Wire order: one letter per byte of the value, in the order the bytes arrive
  // (first register's high byte first). 'A' is the value's most significant byte.
  // "ABCD" is big-endian, the Modbus standard; "CDAB" swaps the words. Always
  // expanded to the value's size: "AB", "ABCD" or "ABCDEFGH".
  std::string order = "AB";
  int length = 0;       // string: registers (two characters each)
  int bit = -1;         // 0..15: one bit of a register (0 = least significant), published as a bool
  double scale = 1.0;   // published = raw × scale + offset
  double offset = 0.0;
  int decimals = -1;    // round to this many decimals; -1: from scale (0.1 → 1, 0.01 → 2), else not rounded
  std::string unit;     // for people and for <topic>/meta; not in the readings
  double deadband = 0.0;  // output.on_change: a change smaller than this is not a change
  Location where;

  // Addresses this value occupies in its table (bits for coil/discrete).
  int span() const;
  bool is_bit_field() const { return bit >= 0; }
  bool publishes_bool() const { return type == ValueType::boolean; }
};

}  // namespace edgebridge::modbus
