// Fuzzes the batch encoder (outbox/batch_encoder.hpp) with what a reading may
// be: any topic, any payload bytes. Every entry and both framings must parse
// as JSON, hold no raw newline, and give the payload back (the same JSON
// value, the same text, or base64 of the same bytes). Deep payloads come from
// small seeds through expand_input.hpp ("\x01\x3b[\x02]" is 60,000 nested
// arrays).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/json_limits.hpp"
#include "expand_input.hpp"
#include "outbox/batch_encoder.hpp"

namespace {

using edgebridge::BatchFormat;
namespace batch = edgebridge::batch;

void check(bool ok) {
  if (!ok) std::abort();
}

std::string base64_decode(const std::string& text) {
  static const std::string table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const auto v = table.find(c);
    check(v != std::string::npos);
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

void check_entry(const std::string& entry, const std::string& topic, const std::string& payload) {
  check(entry.find('\n') == std::string::npos && entry.find('\r') == std::string::npos);
  check(nlohmann::json::accept(entry));
  // A DOM only within the bounds (deeper documents recurse when freed).
  const auto parsed = edgebridge::parse_json_bounded(entry, {64, 1 << 20});
  if (!parsed.ok()) return;
  const auto& j = parsed.value;
  check(j.is_object() && j["ts"].is_number_integer() && j["id"].is_string());
  if (batch::valid_utf8(topic)) check(j["topic"] == topic);
  switch (batch::classify_payload(payload)) {
    case batch::PayloadKind::json: {
      const auto original = edgebridge::parse_json_bounded(payload, {64, 1 << 20});
      if (original.ok()) check(j["payload"] == original.value);
      break;
    }
    case batch::PayloadKind::text: check(j["payload"] == payload && !j.contains("encoding")); break;
    case batch::PayloadKind::base64:
      check(j["encoding"] == "base64" && base64_decode(j["payload"].get<std::string>()) == payload);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = edgebridge::fuzz::expand_input(data, size);
  // topic \0 payload; a second \0 starts another entry's payload.
  std::string topic = "t";
  std::vector<std::string> payloads;
  std::size_t start = 0;
  if (const auto zero = bytes.find('\0'); zero < 256) {
    topic = bytes.substr(0, zero);
    start = zero + 1;
  }
  const std::string rest = bytes.substr(start);
  if (const auto split = rest.find('\0'); split != std::string::npos) {
    payloads.push_back(rest.substr(0, split));
    payloads.push_back(rest.substr(split + 1));
  } else {
    payloads.push_back(rest);
  }
  std::vector<std::string> entries;
  std::size_t total = 0;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    entries.push_back(batch::encode_entry(topic, 1732550000123, "gw:ops:" + std::to_string(i + 1), payloads[i]));
    check_entry(entries.back(), topic, payloads[i]);
    total += entries.back().size();
  }
  for (BatchFormat format : {BatchFormat::json_array, BatchFormat::json_lines}) {
    const std::string joined = batch::join(format, entries);
    check(joined.size() == batch::framed_size(format, entries.size(), total));
    if (format == BatchFormat::json_array) {
      check(nlohmann::json::accept(joined));
    } else {
      std::size_t lines = 0, from = 0;
      for (std::size_t nl = joined.find('\n'); nl != std::string::npos; nl = joined.find('\n', from)) {
        check(nlohmann::json::accept(joined.substr(from, nl - from)));
        ++lines;
        from = nl + 1;
      }
      check(lines == entries.size() && from == joined.size());
    }
  }
  return 0;
}
