#include "core/json_limits.hpp"

namespace edgebridge {

std::size_t json_nesting_depth(std::string_view text, std::size_t stop_after) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // skip the escaped character
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > stop_after) return deepest;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return deepest;
}

BoundedJson parse_json_bounded(std::string_view text, const JsonLimits& limits) {
  BoundedJson out;
  if (text.size() > limits.max_bytes) {
    out.refused = true;
    out.error = "the JSON is " + std::to_string(text.size()) + " bytes, over the limit of " +
                std::to_string(limits.max_bytes);
    return out;
  }
  if (json_nesting_depth(text, limits.max_depth) > limits.max_depth) {
    out.refused = true;
    out.error = "the JSON nests arrays and objects more than " + std::to_string(limits.max_depth) + " levels deep";
    return out;
  }
  out.value = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (out.value.is_discarded()) out.error = "not JSON";
  return out;
}

}  // namespace edgebridge
