#pragma once
// The payload of one batch: many outbox rows in one cloud publish
// (docs/batching.md). Each row becomes an entry
//
//   {"topic":"site1/sensors/r1","ts":1732550000123,"id":"greenhouse-1:ops:17","payload":{"rssi":-61}}
//
// - topic: the row's own remote topic (what it would have been published on alone);
// - ts: when the gateway received the reading, milliseconds since the Unix epoch;
// - id: unique per gateway and message, the same in every resend, so the cloud
//   can drop an entry it already has;
// - payload: the payload itself when it is JSON (whitespace outside strings
//   removed), a JSON string when it is other UTF-8 text, else its base64 with
//   "encoding":"base64" after it.
// json_array joins the entries as a JSON array; json_lines writes one entry per
// line, each ended by "\n". No entry ever holds a raw newline.
//
// Pure functions, no state: any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch_spec.hpp"

namespace edgebridge::batch {

// AWS IoT Core meters messages in 5 KB steps of topic + payload bytes.
inline constexpr std::size_t kBillingUnit = 5 * 1024;
// AWS IoT Core's largest payload: the cap when the remote sets none of its own.
inline constexpr std::size_t kLargestPayload = 128 * 1024;

enum class PayloadKind { json, text, base64 };
PayloadKind classify_payload(std::string_view payload);

// One entry as above (a JSON object, no newline).
std::string encode_entry(std::string_view topic, std::int64_t ts_ms, std::string_view id, std::string_view payload);

// Payload bytes of a batch of `count` entries that are `entry_bytes` long in all.
std::size_t framed_size(BatchFormat format, std::size_t count, std::size_t entry_bytes);

// The batch's payload: the entries joined as `format` says.
std::string join(BatchFormat format, const std::vector<std::string>& entries);

// The largest payload that keeps topic + payload within whole billing units and
// the payload within `cap` bytes (at least 1 byte less than a unit boundary is
// never wasted: 25 units of 5 KiB for AWS's 128 KiB and a short topic).
std::size_t default_max_bytes(std::size_t cap, std::size_t topic_bytes);

// 5 KiB units AWS IoT Core bills for a publish of `topic_and_payload_bytes`.
std::size_t billed_units(std::size_t topic_and_payload_bytes);

// Building blocks, public for their tests.
bool valid_utf8(std::string_view text);
std::string base64_encode(std::string_view bytes);
// `text` as a JSON string literal (quotes included); bytes that are not UTF-8
// become U+FFFD.
void append_json_string(std::string& out, std::string_view text);
// A valid JSON text without the whitespace between its tokens.
std::string minify_json(std::string_view valid_json);

}  // namespace edgebridge::batch
