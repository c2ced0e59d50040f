#pragma once
// Byte and text helpers for the SQL functions: base64 (encode/decode),
// message digests as lowercase hex (md2, md5, sha*), and UTF-8 character
// positions (length, substring, indexof count characters, not bytes).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace edgebridge::rules {

std::string base64_encode(std::string_view bytes);
// Standard alphabet with padding (whitespace ignored); nullopt if not base64.
std::optional<std::string> base64_decode(std::string_view text);

// `algorithm`: md2, md5, sha1, sha224, sha256, sha384, sha512. nullopt for
// another name (or a digest this OpenSSL cannot make).
std::optional<std::string> hex_digest(std::string_view algorithm, std::string_view data);

// Characters (Unicode code points) in UTF-8 text: the bytes that do not
// continue a sequence (0b10xxxxxx) are counted.
std::size_t utf8_length(std::string_view text);
// The byte offset of character `index` (clamped to the text's length).
std::size_t utf8_offset(std::string_view text, std::size_t index);

}  // namespace edgebridge::rules
