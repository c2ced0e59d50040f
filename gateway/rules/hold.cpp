#include "rules/hold.hpp"

#include <algorithm>

namespace edgebridge::rules {

namespace {

// The clock went back past the start, or the start predates the build.
bool untrusted(const HoldState& s, const HoldSettings& cfg, std::int64_t now) {
  return now < s.since_ms || s.since_ms < cfg.earliest_valid_ms;
}

bool gap_exceeded(const HoldState& s, const HoldSettings& cfg, std::int64_t now) {
  return cfg.max_gap_ms && now - s.last_true_ms > *cfg.max_gap_ms;
}

bool due(HoldState& s, const HoldSettings& cfg, std::int64_t now) {
  if (s.fired || now - s.since_ms < cfg.hold_ms) return false;
  s.fired = true;
  return true;
}

}  // namespace

const char* to_string(HoldEvent e) {
  switch (e) {
    case HoldEvent::none: return "none";
    case HoldEvent::started: return "started";
    case HoldEvent::continued: return "continued";
    case HoldEvent::ended: return "ended";
    case HoldEvent::dropped: return "dropped";
    case HoldEvent::fire: return "fire";
  }
  return "?";
}

HoldEvent hold_on_evaluation(HoldState& state, const HoldSettings& settings, bool held, std::int64_t now_ms,
                             const HeldMessage& message) {
  if (!held) {
    if (!state.holding) return HoldEvent::none;
    state.holding = false;
    state.fired = false;
    return HoldEvent::ended;
  }
  if (state.holding && (gap_exceeded(state, settings, now_ms) || untrusted(state, settings, now_ms)))
    state.holding = false;  // no continuity to build on: start over
  state.last = message;
  state.last_true_ms = now_ms;
  if (!state.holding) {
    state.holding = true;
    state.fired = false;
    state.since_ms = now_ms;
    return due(state, settings, now_ms) ? HoldEvent::fire : HoldEvent::started;
  }
  return due(state, settings, now_ms) ? HoldEvent::fire : HoldEvent::continued;
}

HoldEvent hold_on_tick(HoldState& state, const HoldSettings& settings, std::int64_t now_ms) {
  if (!state.holding || state.fired) return HoldEvent::none;
  if (untrusted(state, settings, now_ms)) {
    state.since_ms = now_ms;
    state.last_true_ms = now_ms;
    return HoldEvent::started;
  }
  if (gap_exceeded(state, settings, now_ms)) {
    state.holding = false;
    return HoldEvent::dropped;
  }
  return due(state, settings, now_ms) ? HoldEvent::fire : HoldEvent::none;
}

std::optional<std::int64_t> hold_next_deadline(const HoldState& state, const HoldSettings& settings) {
  if (!state.holding || state.fired) return std::nullopt;
  std::int64_t deadline = state.since_ms + settings.hold_ms;
  if (settings.max_gap_ms) deadline = std::min(deadline, state.last_true_ms + *settings.max_gap_ms + 1);
  return deadline;
}

}  // namespace edgebridge::rules
