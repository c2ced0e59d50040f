#include "ir_tcp/ir_sender.hpp"

#include <algorithm>

#include "common/command_time.hpp"
#include "ir_tcp/itach_reply.hpp"

namespace edgebridge::ir_tcp {

const char* to_string(SendStatus s) {
  switch (s) {
    case SendStatus::ok: return "ok";
    case SendStatus::failed: return "failed";
    case SendStatus::unknown: return "unknown";
    case SendStatus::not_sent: return "not_sent";
    case SendStatus::stopped: return "stopped";
  }
  return "?";
}

SendOutcome send_ir_code(ItachConnection& connection, const IrCode& code, int repeat, const SendPolicy& policy,
                         const std::function<int()>& next_id,
                         const std::function<void(const std::string&)>& unsolicited) {
  SendOutcome out;
  Duration busy_wait = policy.busy_delay;
  const Duration wait_for = code.play_time(repeat) + policy.reply_timeout;
  while (true) {
    const int id = next_id();
    out.sendir_id = id;
    bool nothing_left = true;
    std::string why;
    if (!connection.send_line(code.sendir(id, repeat), nothing_left, why)) {
      out.cause = why;
      if (nothing_left) {
        out.status = SendStatus::not_sent;
        out.error = "not_connected";
        out.message = "not sent: the connection to the iTach failed (" + why + ")";
      } else {
        out.status = SendStatus::unknown;
        out.error = "connection_lost";
        out.message = "outcome unknown: the connection failed while sending (" + why +
                      "); the code may or may not have played and was not resent";
      }
      return out;
    }
    ++out.attempts;
    const auto deadline = ItachConnection::Clock::now() + wait_for;
    bool busy = false;
    while (!busy) {
      std::string line;
      const auto w = connection.next_line(line, deadline, why);
      if (w == ItachConnection::Wait::stopped) {
        out.status = SendStatus::stopped;
        out.error = "stopping";
        out.message = "outcome unknown: the gateway stopped while waiting for the iTach's answer";
        return out;
      }
      if (w == ItachConnection::Wait::timeout) {
        out.status = SendStatus::unknown;
        out.error = "timeout";
        out.message = "outcome unknown: no answer from the iTach within " + format_for_people(wait_for) +
                      " (sendir id " + std::to_string(id) +
                      "); the code may or may not have played and was not resent, because many IR codes "
                      "toggle; check the device before sending it again";
        return out;
      }
      if (w == ItachConnection::Wait::closed) {
        out.cause = why;
        out.status = SendStatus::unknown;
        out.error = "connection_lost";
        out.message = "outcome unknown: the connection dropped before the iTach answered (" + why +
                      "); the code may or may not have played and was not resent";
        return out;
      }
      const ItachReply reply = parse_itach_reply(line);
      const bool ours_connector = reply.has_connector && reply.module == code.connector.module &&
                                  reply.connector == code.connector.connector;
      switch (reply.kind) {
        case ItachReplyKind::complete:
          if (ours_connector && reply.id == id) {
            out.status = SendStatus::ok;
            out.reply = reply.text;
            return out;
          }
          break;
        case ItachReplyKind::busy:
          if (ours_connector) busy = true;
          break;
        case ItachReplyKind::error:
          out.status = SendStatus::failed;
          out.error = "device_error";
          out.reply = reply.text;
          out.error_code = reply.error_code;
          out.message = "the iTach refused the code: " + reply.text + " means " +
                        describe_itach_error(reply.error_code, reply.gc100) + "; it did not play";
          return out;
        case ItachReplyKind::other:
          break;
      }
      if (!busy && unsolicited) unsolicited(reply.text);
      if (busy) out.reply = reply.text;
    }
    if (out.attempts > policy.busy_retries) {
      out.status = SendStatus::failed;
      out.error = "busy";
      out.message = "the emitter " + code.connector.text() + " stayed busy playing another code (" +
                    std::to_string(out.attempts) + " attempts); this code did not play";
      return out;
    }
    if (!connection.pause(busy_wait)) {
      out.status = SendStatus::stopped;
      out.error = "stopping";
      out.message = "not sent: the gateway stopped while the emitter was busy";
      return out;
    }
    busy_wait = std::min(policy.busy_max_delay, busy_wait * 2);
  }
}

}  // namespace edgebridge::ir_tcp
