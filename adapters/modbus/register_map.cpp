#include "modbus/register_map.hpp"

namespace edgebridge::modbus {

const char* to_string(Table t) {
  switch (t) {
    case Table::coil: return "coil";
    case Table::discrete: return "discrete";
    case Table::input: return "input";
    case Table::holding: return "holding";
  }
  return "?";
}

const char* to_string(ValueType t) {
  switch (t) {
    case ValueType::boolean: return "bool";
    case ValueType::int16: return "int16";
    case ValueType::uint16: return "uint16";
    case ValueType::int32: return "int32";
    case ValueType::uint32: return "uint32";
    case ValueType::float32: return "float32";
    case ValueType::int64: return "int64";
    case ValueType::uint64: return "uint64";
    case ValueType::float64: return "float64";
    case ValueType::string: return "string";
  }
  return "?";
}

bool is_bit_table(Table t) { return t == Table::coil || t == Table::discrete; }

int registers_for(ValueType t) {
  switch (t) {
    case ValueType::int16:
    case ValueType::uint16: return 1;
    case ValueType::int32:
    case ValueType::uint32:
    case ValueType::float32: return 2;
    case ValueType::int64:
    case ValueType::uint64:
    case ValueType::float64: return 4;
    case ValueType::boolean:
    case ValueType::string: return 0;
  }
  return 0;
}

bool is_integer(ValueType t) {
  switch (t) {
    case ValueType::int16:
    case ValueType::uint16:
    case ValueType::int32:
    case ValueType::uint32:
    case ValueType::int64:
    case ValueType::uint64: return true;
    default: return false;
  }
}

int RegisterSpec::span() const {
  if (is_bit_table(table)) return 1;
  if (type == ValueType::string) return length;
  if (type == ValueType::boolean) return 1;  // one bit of one register
  return registers_for(type);
}

}  // namespace edgebridge::modbus
