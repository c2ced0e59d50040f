#pragma once
// Text from outside quoted back - in an error message, a command's result, a
// log line - is cut to a bound, so a 300 KiB payload is never copied whole
// into a log or a reply. The cut says so and names the bound.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edgebridge {

// Bytes of outside text an echo keeps.
inline constexpr std::size_t kEchoLimit = 128;

// `text` with control characters shown as '?' (a log line stays one line),
// cut after `limit` bytes - never inside a UTF-8 sequence - with the marker
// "... [307200 bytes, cut at the echo limit of 128]".
std::string echo_text(std::string_view text, std::size_t limit = kEchoLimit);

// A value to put back into a reply: `value` itself when it is short (a
// number, true/false/null, a string of at most `limit` bytes, an array or
// object whose compact JSON text is at most `limit` bytes), else that string
// or text cut by echo_text(), as a string. An array or object is printed to
// measure it: it must be within the parse bounds (core/json_limits.hpp).
nlohmann::json echo_json(const nlohmann::json& value, std::size_t limit = kEchoLimit);

}  // namespace edgebridge
