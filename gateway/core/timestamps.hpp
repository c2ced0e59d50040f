#pragma once
// Wall-clock timestamps as messages carry them, and the age of a command.
//
// Readings carry "ts" as RFC 3339 UTC with milliseconds ("2026-03-01T12:00:00.123Z").
// A command's age counts from the "ts" of its JSON payload when it has one
// (RFC 3339 with Z or an offset, or epoch milliseconds as a number), else from
// Message::received_at, when it entered the gateway.

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clocks.hpp"

namespace edgebridge {

// "2026-03-01T12:00:00.123Z"
std::string format_rfc3339_ms(WallClock::time_point t);

// RFC 3339 date-time: "2026-03-01T12:00:00Z", "2026-03-01T12:00:00.5+01:00"
// ('t' and 'z' accepted, a space for 'T' too). nullopt when it is not one.
std::optional<WallClock::time_point> parse_rfc3339(const std::string& text);

// When a command was issued: the payload's "ts" (RFC 3339 text or epoch
// milliseconds) if `payload` is an object with one, else `received_at`.
// nullopt with `why` set when "ts" is present but not a valid time.
std::optional<WallClock::time_point> command_issued_at(const nlohmann::json& payload,
                                                       WallClock::time_point received_at, std::string& why);

}  // namespace edgebridge
