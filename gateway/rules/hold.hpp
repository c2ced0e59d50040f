#pragma once
// The hold of a rule with `for:` — its WHERE must stay true that long, without
// a break, before the actions run, once. Pure logic on wall-clock milliseconds
// (the caller passes the time), so tests drive it with a fake clock.
//
//  - A message whose WHERE is true starts a hold (or continues one).
//  - A message whose WHERE is false or Undefined ends it: the rule re-arms,
//    and the next true message starts a new hold.
//  - The hold fires when `for` has passed since it started: at the first
//    evaluation or tick at or after that moment. It fires once per hold.
//  - Silence: without max_gap a hold stays armed however long no message
//    comes (and fires when `for` has passed). With max_gap, a hold whose last
//    true message is older than max_gap is dropped, and a true message after
//    such a gap starts a new hold.
//  - The wall clock going backwards (NTP) restarts the hold at the new time,
//    as does a hold that started before the build date (a Pi that booted at
//    1970 before NTP): neither can prove the condition held.

#include <cstdint>
#include <optional>
#include <string>

#include "core/message.hpp"

namespace edgebridge::rules {

struct HoldSettings {
  std::int64_t hold_ms = 0;
  std::optional<std::int64_t> max_gap_ms;
  std::int64_t earliest_valid_ms = 0;  // times before this are not trusted
};

// The message the hold will fire with: the last one whose WHERE was true.
struct HeldMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  SourceKind source_kind = SourceKind::local;
  std::string source_name;
};

struct HoldState {
  bool holding = false;  // WHERE true since since_ms, without a break
  bool fired = false;    // the actions ran for this hold
  std::int64_t since_ms = 0;
  std::int64_t last_true_ms = 0;
  HeldMessage last;
};

enum class HoldEvent {
  none,       // nothing changed that needs saving
  started,    // a new hold began
  continued,  // still holding (the last message changed)
  ended,      // the condition broke: re-armed
  dropped,    // max_gap passed without a true message
  fire,       // `for` has passed: run the actions now (state already marked fired)
};
const char* to_string(HoldEvent e);

// A message was evaluated at `now_ms`; `held` is true when its WHERE was true.
HoldEvent hold_on_evaluation(HoldState& state, const HoldSettings& settings, bool held, std::int64_t now_ms,
                             const HeldMessage& message);
// Time passes with no message.
HoldEvent hold_on_tick(HoldState& state, const HoldSettings& settings, std::int64_t now_ms);
// When the hold will next need a tick (fire or drop), or nullopt.
std::optional<std::int64_t> hold_next_deadline(const HoldState& state, const HoldSettings& settings);

}  // namespace edgebridge::rules
