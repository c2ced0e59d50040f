#include "core/echo.hpp"

#include "core/json_text.hpp"

namespace edgebridge {

std::string echo_text(std::string_view text, std::size_t limit) {
  std::size_t keep = text.size();
  if (keep > limit) {
    keep = limit;
    // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  }
  std::string out;
  out.reserve(keep + 64);
  for (std::size_t i = 0; i < keep; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (keep < text.size())
    out += "... [" + std::to_string(text.size()) + " bytes, cut at the echo limit of " + std::to_string(limit) + "]";
  return out;
}

nlohmann::json echo_json(const nlohmann::json& value, std::size_t limit) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    return s.size() <= limit ? value : nlohmann::json(echo_text(s, limit));
  }
  if (!value.is_object() && !value.is_array()) return value;  // null, boolean, number: short
  const std::string text = dump_json(value);
  return text.size() <= limit ? value : nlohmann::json(echo_text(text, limit));
}

}  // namespace edgebridge
