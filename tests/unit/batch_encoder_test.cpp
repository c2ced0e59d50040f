// The batch payload: each entry as the cloud reads it back, both formats, the
// billing arithmetic.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

#include "outbox/batch_encoder.hpp"

using namespace edgebridge;
using namespace edgebridge::batch;
using nlohmann::json;

namespace {

std::string base64_decode(const std::string& text) {
  static const std::string table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<std::uint32_t>(table.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a JSON payload is embedded as JSON, without the whitespace between its tokens", "[batch]") {
  const std::string e = encode_entry("site1/sensors/r1", 1732550000123, "gw:ops:17",
                                     "{ \"rssi\" : -61,\n \"tag\": \"a b\" }");
  CHECK(e == R"({"topic":"site1/sensors/r1","ts":1732550000123,"id":"gw:ops:17","payload":{"rssi":-61,"tag":"a b"}})");
  const json parsed = json::parse(e);
  CHECK(parsed["payload"] == json::parse("{\"rssi\": -61, \"tag\": \"a b\"}"));
}

TEST_CASE("JSON scalars are JSON too, as AWS IoT reads them", "[batch]") {
  CHECK(json::parse(encode_entry("t", 1, "i", "42"))["payload"] == 42);
  CHECK(json::parse(encode_entry("t", 1, "i", "\"on\""))["payload"] == "on");
  CHECK(json::parse(encode_entry("t", 1, "i", " true "))["payload"] == true);
}

TEST_CASE("text that is not JSON becomes a JSON string, escaped", "[batch]") {
  const std::string text = "21.5 C\n\"ok\"\t\\ \x01 gr\xC3\xBC\xC3\x9F";
  const std::string e = encode_entry("t", 1, "i", text);
  CHECK(e.find('\n') == std::string::npos);
  const json parsed = json::parse(e);
  CHECK(parsed["payload"] == text);
  CHECK_FALSE(parsed.contains("encoding"));
  CHECK(json::parse(encode_entry("t", 1, "i", ""))["payload"] == "");
}

TEST_CASE("JSON followed by a NUL byte is not JSON: the whole payload goes as text", "[batch]") {
  // Found by fuzz_batch: nlohmann's lexer ends its input at a NUL, so "1\0junk"
  // was embedded as the number 1 followed by raw bytes, and the entry was not JSON.
  const std::string payload("1\0{\"x\"}", 7);
  const std::string e = encode_entry("t", 1, "i", payload);
  CHECK(json::accept(e));
  CHECK(json::parse(e)["payload"] == payload);
}

TEST_CASE("bytes that are not UTF-8 go as base64 and say so", "[batch]") {
  const std::string bytes("\x00\xFF\xFE\x80 modbus", 11);
  const json parsed = json::parse(encode_entry("t", 1, "i", bytes));
  CHECK(parsed["encoding"] == "base64");
  CHECK(base64_decode(parsed["payload"].get<std::string>()) == bytes);
}

TEST_CASE("UTF-8 is checked strictly: overlong forms and surrogates are not text", "[batch]") {
  CHECK(valid_utf8("gr\xC3\xBC\xC3\x9F \xF0\x9F\x8C\xB1"));
  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("\xE2\x82"));          // cut short
  CHECK(classify_payload("{\"a\":1}") == PayloadKind::json);
  CHECK(classify_payload("{\"a\":\"\xC0\xAF\"}") == PayloadKind::base64);  // JSON-shaped, but not UTF-8
  CHECK(classify_payload("{\"a\":") == PayloadKind::text);
}

TEST_CASE("a topic or id that is not UTF-8 is written with U+FFFD, never as broken JSON", "[batch]") {
  const json parsed = json::parse(encode_entry("bad\xFF/topic", 5, "gw\xC0:1", "1"));
  CHECK(parsed["topic"] == "bad\xEF\xBF\xBD/topic");
  CHECK(parsed["id"] == "gw\xEF\xBF\xBD:1");
}

TEST_CASE("base64 pads as RFC 4648 says", "[batch]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("json_array and json_lines frame the entries, and framed_size says how long", "[batch]") {
  const std::vector<std::string> entries = {encode_entry("a", 1, "g:1", "1"), encode_entry("b", 2, "g:2", "x y")};
  std::size_t total = 0;
  for (const auto& e : entries) total += e.size();

  const std::string array = join(BatchFormat::json_array, entries);
  CHECK(array.size() == framed_size(BatchFormat::json_array, 2, total));
  const json parsed = json::parse(array);
  REQUIRE(parsed.is_array());
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[1]["payload"] == "x y");

  const std::string lines = join(BatchFormat::json_lines, entries);
  CHECK(lines.size() == framed_size(BatchFormat::json_lines, 2, total));
  std::istringstream in(lines);
  std::string line;
  std::vector<json> read;
  while (std::getline(in, line)) read.push_back(json::parse(line));
  REQUIRE(read.size() == 2);
  CHECK(read[0]["id"] == "g:1");
  CHECK(lines.back() == '\n');
  CHECK(join(BatchFormat::json_array, {}) == "[]");
}

TEST_CASE("the default max_bytes fills whole 5 KiB units within the payload cap", "[batch]") {
  // AWS's 128 KiB and a 20-byte topic: 25 units, topic included.
  CHECK(default_max_bytes(128 * 1024, 20) == 25 * 5120 - 20);
  CHECK(billed_units(default_max_bytes(128 * 1024, 20) + 20) == 25);
  CHECK(default_max_bytes(0, 20) == 25 * 5120 - 20);  // no cap of the remote's: AWS's
  CHECK(default_max_bytes(12000, 10) == 2 * 5120 - 10);
  CHECK(default_max_bytes(3000, 10) == 3000);  // less than a unit: the cap itself
  CHECK(default_max_bytes(100, 6000) == 100);  // a topic longer than a unit
  CHECK(billed_units(1) == 1);
  CHECK(billed_units(5120) == 1);
  CHECK(billed_units(5121) == 2);
}

TEST_CASE("minify_json keeps whitespace inside strings and escaped quotes", "[batch]") {
  CHECK(minify_json("[ 1 , \"a \\\" b\" ,\n{ } ]") == "[1,\"a \\\" b\",{}]");
  CHECK(minify_json("\"\\\\\" ") == "\"\\\\\"");
}
