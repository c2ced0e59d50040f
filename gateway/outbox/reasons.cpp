#include "outbox/outbox.hpp"

namespace edgebridge {

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::overflow_oldest: return "overflow_oldest";
    case DropReason::overflow_newest: return "overflow_newest";
    case DropReason::ttl_expired: return "ttl_expired";
    case DropReason::qos0_offline: return "qos0_offline";
    case DropReason::disk_full: return "disk_full";
    case DropReason::io_error: return "io_error";
    case DropReason::dead_letters_full: return "dead_letters_full";
    case DropReason::count_: break;
  }
  return "?";
}

const char* to_string(DeadLetterReason r) {
  switch (r) {
    case DeadLetterReason::not_authorized: return "not_authorized";
    case DeadLetterReason::topic_name_invalid: return "topic_name_invalid";
    case DeadLetterReason::too_large: return "too_large";
    case DeadLetterReason::payload_format_invalid: return "payload_format_invalid";
    case DeadLetterReason::refused: return "refused";
    case DeadLetterReason::closed_connection: return "closed_connection";
    case DeadLetterReason::count_: break;
  }
  return "?";
}

DeadLetterReason dead_letter_reason(int mqtt_reason_code) {
  switch (mqtt_reason_code) {
    case 0x87: return DeadLetterReason::not_authorized;
    case 0x90: return DeadLetterReason::topic_name_invalid;
    case 0x95: return DeadLetterReason::too_large;
    case 0x99: return DeadLetterReason::payload_format_invalid;
    default: return DeadLetterReason::refused;
  }
}

}  // namespace edgebridge
