#pragma once
// A connection that messages are published on, as the outbox's forwarder sees
// it (a cloud remote), and the outcome of each publish. The three outcomes keep
// the retry logic in the forwarder:
//  - acked:     the broker took it (PUBACK with a reason code below 0x80, or a
//               QoS 0 publish written to the socket);
//  - refused:   the broker will never take it (MQTT 5 PUBACK reason code such as
//               0x87 not authorized, 0x90 topic name invalid, 0x95 packet too
//               large, 0x99 payload format invalid);
//  - transient: not now (0x97 quota exceeded, 0x80 unspecified error, ...):
//               send that message again later, alone.
// A publish whose connection was lost has no outcome: the forwarder hears
// connection_lost() and sends it again on the next connection.
//
// Event loop thread only (core/event_loop.hpp).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/message.hpp"

namespace edgebridge {

enum class PublishStatus { acked, refused, transient };
const char* to_string(PublishStatus s);

struct PublishOutcome {
  PublishStatus status = PublishStatus::acked;
  int reason_code = 0;  // the MQTT 5 reason code, 0 when there was none
  std::string detail;   // in words, e.g. "Not authorized"
};

// What an MQTT 5 PUBACK reason code means for the message.
PublishOutcome classify_puback(int reason_code);

// Why a connection ended, for the forwarder's judgement of the message that
// was in flight (a broker that closes instead of refusing, a throttle).
struct ConnectionEnd {
  bool by_peer = false;            // the broker closed the socket (no DISCONNECT of ours, no keepalive timeout)
  bool keepalive_timeout = false;  // nothing came back within 1.5 x keepalive (a half-open link)
  int disconnect_reason = 0;       // MQTT 5 DISCONNECT reason code from the broker, 0 when none
  std::string detail;
  bool throttled() const { return disconnect_reason == 0x96 || disconnect_reason == 0x97; }
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Non-zero while connected; a new value for every new connection.
  virtual std::uint64_t connection_id() const = 0;
  // The broker's Receive Maximum for this connection (65535 when it set none).
  virtual int send_window() const = 0;
  // The broker's Maximum Packet Size for this connection; 0 when it set none.
  virtual std::size_t max_packet_size() const = 0;
  // Starts a publish on connection `connection_id`; its outcome comes to the
  // PublishListener with `token`. False when it could not start (the
  // connection is gone, or the library refused it at once: then `outcome` says
  // whether it was the message's fault).
  virtual bool publish(std::uint64_t connection_id, const Message& message, std::uint64_t token,
                       PublishOutcome& outcome) = 0;
};

class PublishListener {
 public:
  virtual ~PublishListener() = default;
  virtual void published(std::uint64_t token, const PublishOutcome& outcome) = 0;
  virtual void connected() = 0;
  virtual void connection_lost(const ConnectionEnd& end) = 0;
};

// The MQTT size of a PUBLISH of `message` (fixed header, topic, packet id, a
// few property bytes on MQTT 5, payload): what Maximum Packet Size limits.
std::size_t publish_packet_size(const Message& message, bool mqtt5);

}  // namespace edgebridge
