// Register words → values and back, for every type and byte order, against
// values whose encodings are fixed by IEEE 754 and two's complement: float
// 123.456 is 0x42F6E979, double 123.456 is 0x405EDD2F1A9FBE77.
#include <catch2/catch.hpp>

#include <vector>

#include "modbus/value_codec.hpp"

using namespace edgebridge::modbus;

namespace {

RegisterSpec spec(ValueType type, const std::string& order = "ABCD") {
  RegisterSpec s;
  s.name = "v";
  s.type = type;
  std::string why;
  s.order = expand_order(order, type, why).value();
  if (type == ValueType::string) s.length = 3;
  return s;
}

struct Vector {
  ValueType type;
  const char* order;
  std::vector<std::uint16_t> words;
  const char* published;  // the JSON the gateway publishes
};

}  // namespace

TEST_CASE("float32 123.456 (0x42F6E979) decodes in all four byte orders", "[modbus][codec]") {
  const std::vector<Vector> vectors = {
      {ValueType::float32, "ABCD", {0x42F6, 0xE979}, "123.456"},
      {ValueType::float32, "CDAB", {0xE979, 0x42F6}, "123.456"},
      {ValueType::float32, "BADC", {0xF642, 0x79E9}, "123.456"},
      {ValueType::float32, "DCBA", {0x79E9, 0xF642}, "123.456"},
  };
  for (const auto& v : vectors) {
    INFO(v.order);
    CHECK(decode_value(spec(v.type, v.order), v.words.data()).dump() == v.published);
  }
}

TEST_CASE("every integer type decodes its two's complement words in every order", "[modbus][codec]") {
  const std::vector<Vector> vectors = {
      {ValueType::int16, "ABCD", {0xFF85}, "-123"},
      {ValueType::int16, "BADC", {0x85FF}, "-123"},
      {ValueType::uint16, "ABCD", {0xFF85}, "65413"},
      {ValueType::uint16, "DCBA", {0x85FF}, "65413"},
      // -123456789 = 0xF8A432EB
      {ValueType::int32, "ABCD", {0xF8A4, 0x32EB}, "-123456789"},
      {ValueType::int32, "CDAB", {0x32EB, 0xF8A4}, "-123456789"},
      {ValueType::int32, "BADC", {0xA4F8, 0xEB32}, "-123456789"},
      {ValueType::int32, "DCBA", {0xEB32, 0xA4F8}, "-123456789"},
      // 305419896 = 0x12345678
      {ValueType::uint32, "ABCD", {0x1234, 0x5678}, "305419896"},
      {ValueType::uint32, "CDAB", {0x5678, 0x1234}, "305419896"},
      {ValueType::uint32, "BADC", {0x3412, 0x7856}, "305419896"},
      {ValueType::uint32, "DCBA", {0x7856, 0x3412}, "305419896"},
      // -1234567890123456789 = 0xEEDDEF0B82167EEB
      {ValueType::int64, "ABCD", {0xEEDD, 0xEF0B, 0x8216, 0x7EEB}, "-1234567890123456789"},
      {ValueType::int64, "CDAB", {0x7EEB, 0x8216, 0xEF0B, 0xEEDD}, "-1234567890123456789"},
      {ValueType::int64, "BADC", {0xDDEE, 0x0BEF, 0x1682, 0xEB7E}, "-1234567890123456789"},
      {ValueType::int64, "DCBA", {0xEB7E, 0x1682, 0x0BEF, 0xDDEE}, "-1234567890123456789"},
      // 0x0123456789ABCDEF = 81985529216486895 (beyond 2^53: must stay exact)
      {ValueType::uint64, "ABCD", {0x0123, 0x4567, 0x89AB, 0xCDEF}, "81985529216486895"},
      {ValueType::uint64, "GHEFCDAB", {0xCDEF, 0x89AB, 0x4567, 0x0123}, "81985529216486895"},
      {ValueType::uint64, "DCBA", {0xEFCD, 0xAB89, 0x6745, 0x2301}, "81985529216486895"},
  };
  for (const auto& v : vectors) {
    INFO(to_string(v.type) << " " << v.order);
    CHECK(decode_value(spec(v.type, v.order), v.words.data()).dump() == v.published);
  }
}

TEST_CASE("float64 123.456 (0x405EDD2F1A9FBE77) decodes in all four orders", "[modbus][codec]") {
  const std::vector<Vector> vectors = {
      {ValueType::float64, "ABCD", {0x405E, 0xDD2F, 0x1A9F, 0xBE77}, "123.456"},
      {ValueType::float64, "CDAB", {0xBE77, 0x1A9F, 0xDD2F, 0x405E}, "123.456"},
      {ValueType::float64, "BADC", {0x5E40, 0x2FDD, 0x9F1A, 0x77BE}, "123.456"},
      {ValueType::float64, "DCBA", {0x77BE, 0x9F1A, 0x2FDD, 0x5E40}, "123.456"},
      {ValueType::float64, "ABCDEFGH", {0xC004, 0x0000, 0x0000, 0x0000}, "-2.5"},
  };
  for (const auto& v : vectors) {
    INFO(v.order);
    CHECK(decode_value(spec(v.type, v.order), v.words.data()).dump() == v.published);
  }
}

TEST_CASE("64-bit values take the four-letter orders as whole-value patterns", "[modbus][codec]") {
  std::string why;
  CHECK(expand_order("ABCD", ValueType::float64, why) == "ABCDEFGH");
  CHECK(expand_order("CDAB", ValueType::float64, why) == "GHEFCDAB");
  CHECK(expand_order("BADC", ValueType::int64, why) == "BADCFEHG");
  CHECK(expand_order("dcba", ValueType::uint64, why) == "HGFEDCBA");
  CHECK(expand_order("EFGHABCD", ValueType::uint64, why) == "EFGHABCD");
  CHECK_FALSE(expand_order("ACBD", ValueType::uint64, why));
  CHECK(why.find("ABCDEFGH") != std::string::npos);
  CHECK(expand_order("CDAB", ValueType::int16, why) == "AB");
  CHECK(expand_order("BADC", ValueType::uint16, why) == "BA");
  CHECK_FALSE(expand_order("ABCDEFGH", ValueType::float32, why));
  CHECK_FALSE(expand_order("big", ValueType::float32, why));
  CHECK(why.find("CDAB (word-swapped") != std::string::npos);
}

TEST_CASE("scale, offset and rounding give the number a person expects", "[modbus][codec]") {
  auto temperature = spec(ValueType::int16);
  temperature.scale = 0.1;
  const std::uint16_t t214[] = {0x00D6};
  CHECK(decode_value(temperature, t214).dump() == "21.4");
  const std::uint16_t minus100[] = {0xFF9C};
  CHECK(decode_value(temperature, minus100).dump() == "-10.0");

  auto offset = spec(ValueType::uint16);
  offset.scale = 0.01;
  offset.offset = -40;
  const std::uint16_t raw[] = {6140};  // 61.40 - 40
  CHECK(decode_value(offset, raw).dump() == "21.4");

  auto counts = spec(ValueType::uint16);
  counts.scale = 0.5;
  const std::uint16_t three[] = {3};
  CHECK(decode_value(counts, three).dump() == "1.5");

  auto whole = spec(ValueType::float32);
  whole.decimals = 0;
  const std::uint16_t f[] = {0x42F6, 0xE979};
  CHECK(decode_value(whole, f).dump() == "123");

  // Whole-number rounding of a value beyond any integer stays a number (fuzz_modbus found the cast).
  auto huge = spec(ValueType::float64);
  huge.decimals = 0;
  const std::uint16_t big[] = {0x7665, 0x0000, 0x0000, 0x0000};  // about 2.07e262
  CHECK(decode_value(huge, big).is_number_float());

  // A float32 is published as the shortest decimal that is the same float.
  auto lux = spec(ValueType::float32);
  const std::uint16_t f214[] = {0x41AB, 0x3333};  // 21.4f
  CHECK(decode_value(lux, f214).dump() == "21.4");
  const std::uint16_t nan[] = {0x7FC0, 0x0000};
  CHECK(decode_value(lux, nan).is_null());
}

TEST_CASE("bools come from coils, discrete inputs or one bit of a register", "[modbus][codec]") {
  RegisterSpec coil;
  coil.table = Table::coil;
  coil.type = ValueType::boolean;
  const std::uint16_t on[] = {1};
  const std::uint16_t off[] = {0};
  CHECK(decode_value(coil, on) == true);
  CHECK(decode_value(coil, off) == false);

  auto alarm = spec(ValueType::boolean);
  const std::uint16_t status[] = {0x8005};
  alarm.bit = 0;
  CHECK(decode_value(alarm, status) == true);
  alarm.bit = 1;
  CHECK(decode_value(alarm, status) == false);
  alarm.bit = 15;
  CHECK(decode_value(alarm, status) == true);
  // Bytes swapped on the wire: bit 15 of the value is bit 7 of the first byte read.
  auto swapped = spec(ValueType::boolean, "BA");
  swapped.bit = 15;
  const std::uint16_t wire[] = {0x0580};
  CHECK(decode_value(swapped, wire) == true);
}

TEST_CASE("strings read two characters per register, stop at NUL and drop trailing spaces", "[modbus][codec]") {
  const std::uint16_t hello[] = {0x4845, 0x4C4C, 0x4F00};
  CHECK(decode_value(spec(ValueType::string), hello) == "HELLO");
  const std::uint16_t swapped[] = {0x4548, 0x4C4C, 0x004F};
  CHECK(decode_value(spec(ValueType::string, "BA"), swapped) == "HELLO");
  const std::uint16_t padded[] = {0x4142, 0x2020, 0x2020};
  CHECK(decode_value(spec(ValueType::string), padded) == "AB");
  const std::uint16_t binary[] = {0x41FF, 0x0142, 0x0000};
  CHECK(decode_value(spec(ValueType::string), binary) == "A??B");
}

TEST_CASE("encoding is the inverse of decoding for every type and order", "[modbus][codec]") {
  const std::vector<std::pair<ValueType, double>> values = {
      {ValueType::int16, -123},           {ValueType::uint16, 65413},    {ValueType::int32, -123456789},
      {ValueType::uint32, 305419896},     {ValueType::float32, 123.456}, {ValueType::int64, -1234567890123},
      {ValueType::uint64, 1234567890123}, {ValueType::float64, 123.456}};
  for (const auto& [type, value] : values) {
    for (const char* order : {"ABCD", "CDAB", "BADC", "DCBA"}) {
      INFO(to_string(type) << " " << order);
      auto s = spec(type, order);
      std::string why;
      auto words = encode_value(s, value, why);
      REQUIRE(words);
      CHECK(decode_raw(s, words->data()) == Approx(value));
    }
  }
  auto setpoint = spec(ValueType::int16, "ABCD");
  setpoint.scale = 0.1;
  std::string why;
  CHECK(encode_value(setpoint, 21.5, why) == std::vector<std::uint16_t>{215});
  CHECK(encode_value(spec(ValueType::float32, "CDAB"), 123.456, why) == std::vector<std::uint16_t>{0xE979, 0x42F6});
}

TEST_CASE("a value that does not fit its register is refused with the range", "[modbus][codec]") {
  std::string why;
  CHECK_FALSE(encode_value(spec(ValueType::uint16), -1, why));
  CHECK(why.find("does not fit a uint16 (0 to 65535)") != std::string::npos);
  auto scaled = spec(ValueType::int16);
  scaled.scale = 0.1;
  CHECK_FALSE(encode_value(scaled, 4000, why));  // raw 40000
  CHECK(why.find("int16") != std::string::npos);
  CHECK_FALSE(encode_value(spec(ValueType::string), 1, why));
}
