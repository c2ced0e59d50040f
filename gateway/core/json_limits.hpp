#pragma once
// Parsing JSON that came from outside (a payload, a decoded string) with
// bounds: a document nested deeper than `max_depth` or longer than
// `max_bytes` is refused with a clear error instead of being parsed.
//
// Why: nlohmann::json parses iteratively, but copying, comparing, printing
// and destroying a document recurse once per level, so 60,000 nested '['
// overflow the stack wherever the document is used later. A document within
// the bounds is safe to copy, print and evaluate.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edgebridge {

struct JsonLimits {
  std::size_t max_depth = 64;          // arrays and objects inside each other
  std::size_t max_bytes = 256 * 1024;  // the text's length
};

// The defaults, for payloads the rules engine evaluates and `rules test` prints.
inline constexpr JsonLimits kPayloadJsonLimits{};

struct BoundedJson {
  // The document; discarded when `error` is set.
  nlohmann::json value = nlohmann::json(nlohmann::json::value_t::discarded);
  // Empty: parsed. "not JSON": the text is not a JSON document (not an error
  // for a payload, which may be bytes). Otherwise why the document was refused.
  std::string error;
  bool refused = false;  // over a limit (not merely "not JSON")

  bool ok() const { return error.empty(); }
};

// Never throws.
BoundedJson parse_json_bounded(std::string_view text, const JsonLimits& limits = kPayloadJsonLimits);

// The deepest nesting of arrays and objects in `text` (strings skipped),
// counting stops once past `stop_after`. Works on any bytes, JSON or not.
std::size_t json_nesting_depth(std::string_view text, std::size_t stop_after);

}  // namespace edgebridge
