#pragma once
// Times on commands and readings.
//
// A command's age decides whether it still runs (commands older than their
// device's ttl are dropped, never executed late). The age counts from the
// payload's own "ts" when it has one — RFC 3339 ("2024-05-01T12:00:00Z",
// "...+02:00", fractions allowed) or epoch milliseconds (a JSON number) — so a
// command that waited in a cloud queue is judged by when it was issued; else
// from Message::received_at, when it entered the gateway.

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/message.hpp"
#include "core/timestamps.hpp"

namespace edgebridge {

using SystemTime = WallClock::time_point;

// A duration for people: "850ms" below a second, else whole seconds ("11m48s").
// `round_up` for "try again in": never shows less than is left.
std::string format_for_people(std::chrono::milliseconds d, bool round_up = false);

// format_rfc3339_ms(), parse_rfc3339() and the JSON form of command_issued_at() are in core/timestamps.hpp.

// When the command was issued: the payload's "ts" (if `payload` is a JSON
// object that has one) or the message's received_at. A "ts" that is neither
// RFC 3339 nor a number of epoch milliseconds fills `why` and returns nullopt.
std::optional<SystemTime> command_issued_at(const nlohmann::json* payload, const Message& message, std::string& why);

}  // namespace edgebridge
