#include "outbox/batch_encoder.hpp"

#include <nlohmann/json.hpp>

namespace edgebridge::batch {

namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const unsigned char cc = byte(i + k);
    if ((cc & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(text.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0x0F];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string base64_encode(std::string_view bytes) {
  static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                            (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += table[(v >> 18) & 0x3F];
    out += table[(v >> 12) & 0x3F];
    out += table[(v >> 6) & 0x3F];
    out += table[v & 0x3F];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += table[(v >> 18) & 0x3F];
    out += table[(v >> 12) & 0x3F];
    out += rest == 2 ? table[(v >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

std::string minify_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      out += c;
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '"') in_string = true;
    out += c;
  }
  return out;
}

PayloadKind classify_payload(std::string_view payload) {
  // The SAX acceptor builds no document and keeps its nesting on the heap: any
  // depth is safe. It also refuses strings that are not UTF-8.
  // A raw NUL is never part of a JSON text, but nlohmann's lexer takes it for
  // the end of input: "1\0junk" would be "accepted" and embedded with its junk.
  if (!payload.empty() && payload.find('\0') == std::string_view::npos && nlohmann::json::accept(payload))
    return PayloadKind::json;
  return valid_utf8(payload) ? PayloadKind::text : PayloadKind::base64;
}

std::string encode_entry(std::string_view topic, std::int64_t ts_ms, std::string_view id, std::string_view payload) {
  std::string out;
  out.reserve(topic.size() + id.size() + payload.size() + 64);
  out += "{\"topic\":";
  append_json_string(out, topic);
  out += ",\"ts\":";
  out += std::to_string(ts_ms);
  out += ",\"id\":";
  append_json_string(out, id);
  out += ",\"payload\":";
  switch (classify_payload(payload)) {
    case PayloadKind::json: out += minify_json(payload); break;
    case PayloadKind::text: append_json_string(out, payload); break;
    case PayloadKind::base64:
      out += '"';
      out += base64_encode(payload);
      out += "\",\"encoding\":\"base64\"";
      break;
  }
  out += '}';
  return out;
}

std::size_t framed_size(BatchFormat format, std::size_t count, std::size_t entry_bytes) {
  switch (format) {
    case BatchFormat::json_array: return 2 + entry_bytes + (count > 0 ? count - 1 : 0);
    case BatchFormat::json_lines: return entry_bytes + count;
  }
  return entry_bytes;
}

std::string join(BatchFormat format, const std::vector<std::string>& entries) {
  std::size_t total = 0;
  for (const auto& e : entries) total += e.size();
  std::string out;
  out.reserve(framed_size(format, entries.size(), total));
  if (format == BatchFormat::json_array) out += '[';
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (format == BatchFormat::json_array && i > 0) out += ',';
    out += entries[i];
    if (format == BatchFormat::json_lines) out += '\n';
  }
  if (format == BatchFormat::json_array) out += ']';
  return out;
}

std::size_t default_max_bytes(std::size_t cap, std::size_t topic_bytes) {
  if (cap == 0) cap = kLargestPayload;
  const std::size_t units = (cap + topic_bytes) / kBillingUnit;
  if (units * kBillingUnit <= topic_bytes) return cap;  // below one unit: the cap itself
  const std::size_t bytes = units * kBillingUnit - topic_bytes;
  return bytes < cap ? bytes : cap;
}

std::size_t billed_units(std::size_t bytes) { return bytes == 0 ? 1 : (bytes + kBillingUnit - 1) / kBillingUnit; }

}  // namespace edgebridge::batch
