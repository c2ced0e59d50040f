#pragma once
// Renaming a topic across a bridge mapping, as Mosquitto's bridge does: a topic
// that matched from_prefix + pattern becomes to_prefix + (topic without
// from_prefix). With an empty pattern the prefixes are whole topics ("local" ↔
// "remote").
//
// One case where we differ from Mosquitto: a pattern "#" also matches the
// parent of its prefix (the filter "R/#" matches "R"). Mosquitto then keeps the
// topic unstripped ("R" → "L/R"); here the parent maps to the other prefix's
// parent ("R" ↔ "L"). When the other side has no such topic (its prefix is
// empty or "/"), or the result would be empty, there is no counterpart.

#include <optional>
#include <string>
#include <string_view>

namespace edgebridge {

// The topic on the other side, or nullopt when it has no counterpart there.
// `topic` must match from_prefix + pattern for some pattern.
std::optional<std::string> remap_topic(std::string_view topic, std::string_view from_prefix,
                                       std::string_view to_prefix);

}  // namespace edgebridge
