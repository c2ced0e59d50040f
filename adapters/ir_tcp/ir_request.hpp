#pragma once
// A command for an IR device, as it arrives (MQTT payload or rule action), and
// the checks that happen before the iTach is touched.
//
// Payloads on the device's topic:
//   close                                   plain text: the code's name
//   "close"                                 a JSON string: the same
//   {"code":"close","repeat":2,"force":true,"ts":"2024-05-01T12:00:00Z","id":"req-7"}
//     code    required; one of the device's codes
//     repeat  1-50 plays instead of the code's own repeat count
//     force   true: ignore `hold` (never min_interval)
//     ts      when it was issued (RFC 3339 or epoch ms); else when it reached the gateway
//     id      any string or number; echoed in the result
// Anything else in the object is refused, so a typo never silently does less.

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "command_time.hpp"
#include "core/message.hpp"
#include "ir_settings.hpp"

namespace edgebridge {

struct IrRequest {
  std::string code;
  int repeat = 0;  // 0: the code's own
  bool force = false;
  SystemTime issued_at{};
  nlohmann::json request_id;  // null when absent
};

// Why a request is not carried out: a short machine word and a sentence.
struct IrRefusal {
  std::string error;    // bad_payload, unknown_code, expired, min_interval, hold, queue_full, ...
  std::string message;
  Duration retry_after{0};  // min_interval/hold: when it would be accepted
};

// Parses an MQTT payload. On failure fills `refusal` (request_id, when the
// payload had one, is still set so the result can echo it).
std::optional<IrRequest> parse_ir_payload(const Message& message, IrRefusal& refusal, nlohmann::json& request_id);

// A rule action or a device shadow: `command` is the code name, `args` may
// hold repeat, force and id (echoed in the result).
std::optional<IrRequest> ir_request_from_args(const std::string& command, const nlohmann::json& args,
                                              SystemTime now, IrRefusal& refusal);

// Checks against the device's codes (before anything is queued).
std::optional<IrRefusal> check_code(const IrRequest& request, const IrTcpSettings& settings);

// The time rules: ttl, min_interval, hold. Kept per device; not thread-safe
// (the device's worker thread owns it).
class IrSafety {
 public:
  using Steady = std::chrono::steady_clock::time_point;
  explicit IrSafety(const IrTcpSettings& settings) : settings_(settings) {}

  // Checked right before sending. `wall_now` judges the ttl, `steady_now` the intervals.
  std::optional<IrRefusal> check(const IrRequest& request, SystemTime wall_now, Steady steady_now) const;
  // The code may have played (completed, or sent without an answer).
  void record_played(const std::string& code, Steady steady_now);

 private:
  const IrTcpSettings& settings_;
  std::optional<Steady> last_played_;
  std::string last_code_;
};

}  // namespace edgebridge
