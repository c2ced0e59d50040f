#pragma once
// Register words ↔ values. Decoding turns the words read for one register
// entry into the JSON value that is published (scale, offset and rounding
// applied); encoding turns a value to write into the words to send.
//
// Byte order: the bytes of the registers, first register's high byte first,
// are the "wire" bytes; RegisterSpec::order names, for each wire byte, which
// byte of the value it is ('A' = most significant). So for float32 123.456
// (0x42F6E979): ABCD reads 0x42F6 0xE979, CDAB 0xE979 0x42F6, BADC 0xF642
// 0x79E9, DCBA 0x79E9 0xF642.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modbus/register_map.hpp"

namespace edgebridge::modbus {

// Expands an `order:` value for `type` (and a string's byte order) into one
// letter per byte: 16-bit values and strings take AB or BA (ABCD and CDAB mean
// AB; BADC and DCBA mean BA); 32-bit values any arrangement of ABCD; 64-bit
// values any arrangement of ABCDEFGH, or ABCD, CDAB, BADC, DCBA applied to the
// whole value (CDAB → GHEFCDAB: words reversed). nullopt + `why` if invalid.
std::optional<std::string> expand_order(const std::string& text, ValueType type, std::string& why);

// The value as published. `words` holds spec.span() entries: register words,
// or 0/1 per bit for coil and discrete tables. NaN and infinities become null.
nlohmann::json decode_value(const RegisterSpec& spec, const std::uint16_t* words);

// The integer or floating-point value the words hold before scale and offset.
// For the CLI's "raw" column and for tests.
double decode_raw(const RegisterSpec& spec, const std::uint16_t* words);

// The register words to write so that `spec` reads back `value` (engineering
// units: scale and offset are undone; integers are rounded to the nearest).
// nullopt + `why` if the raw value does not fit the type.
std::optional<std::vector<std::uint16_t>> encode_value(const RegisterSpec& spec, double value, std::string& why);

// A number for messages: 35 rather than 35.0, 21.5 as 21.5.
std::string format_number(double v);

// The decimals `spec` rounds to: its `decimals`, or those of a scale of 10^-k.
// -1 = not rounded.
int effective_decimals(const RegisterSpec& spec);

}  // namespace edgebridge::modbus
