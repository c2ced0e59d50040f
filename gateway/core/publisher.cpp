#include "core/publisher.hpp"

namespace edgebridge {

const char* to_string(PublishStatus s) {
  switch (s) {
    case PublishStatus::acked: return "acked";
    case PublishStatus::refused: return "refused";
    case PublishStatus::transient: return "transient";
  }
  return "?";
}

PublishOutcome classify_puback(int code) {
  PublishOutcome o;
  o.reason_code = code;
  switch (code) {
    case 0x00: o.detail = "Success"; return o;
    case 0x10: o.detail = "No matching subscribers"; return o;  // taken: nobody listens yet
    case 0x80: o.status = PublishStatus::transient; o.detail = "Unspecified error"; return o;
    case 0x83: o.status = PublishStatus::refused; o.detail = "Implementation specific error"; return o;
    case 0x87: o.status = PublishStatus::refused; o.detail = "Not authorized"; return o;
    case 0x90: o.status = PublishStatus::refused; o.detail = "Topic Name invalid"; return o;
    case 0x91: o.status = PublishStatus::transient; o.detail = "Packet Identifier in use"; return o;
    case 0x95: o.status = PublishStatus::refused; o.detail = "Packet too large"; return o;
    case 0x97: o.status = PublishStatus::transient; o.detail = "Quota exceeded"; return o;
    case 0x99: o.status = PublishStatus::refused; o.detail = "Payload format invalid"; return o;
    default: break;
  }
  if (code < 0x80) {
    o.detail = "Success (reason " + std::to_string(code) + ")";
    return o;
  }
  // An error code MQTT 5 does not define for PUBACK: the broker means it; do not
  // send the same message again and again.
  o.status = PublishStatus::refused;
  o.detail = "Reason code " + std::to_string(code);
  return o;
}

std::size_t publish_packet_size(const Message& message, bool mqtt5) {
  std::size_t remaining = 2 + message.topic.size() + message.payload.size();
  if (message.qos > 0) remaining += 2;  // packet identifier
  if (mqtt5) remaining += 1;            // property length (no properties of ours are larger than a few bytes)
  std::size_t length_bytes = 1;
  for (std::size_t r = remaining; r >= 128; r /= 128) ++length_bytes;
  return 1 + length_bytes + remaining;
}

}  // namespace edgebridge
