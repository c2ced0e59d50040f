#pragma once
// Plays one code on an iTach and says what happened, the same way for the
// running gateway and for `edgebridge ir send`:
//
//  - every attempt gets a fresh sendir id; only the completeir with that id on
//    that connector counts as done;
//  - busyIR (the emitter is still playing something else; this code was not
//    played) is retried after busy_delay, doubling up to busy_max_delay, at most
//    busy_retries times;
//  - ERR_ means the iTach refused the code: it did not play;
//  - no answer within the code's play time + reply_timeout, or the connection
//    dropping after the command left, is "outcome unknown": the code may or may
//    not have played and is NEVER resent here, because many IR codes toggle.

#include <functional>
#include <string>

#include "ir_tcp/ir_code.hpp"
#include "ir_tcp/itach_connection.hpp"

namespace edgebridge::ir_tcp {

enum class SendStatus {
  ok,        // completeir with our id
  failed,    // certainly not played: ERR_, busy after every retry
  unknown,   // sent, but no answer (timeout, connection lost); may have played
  not_sent,  // nothing left this host (no connection, or it broke before a byte was sent)
  stopped,   // the gateway is stopping
};
const char* to_string(SendStatus s);

struct SendOutcome {
  SendStatus status = SendStatus::not_sent;
  std::string error;    // device_error, busy, timeout, connection_lost, not_connected, stopping
  std::string message;  // a sentence for people
  std::string reply;    // the iTach's deciding line, if any
  std::string cause;    // the socket's own words when the connection failed
  int attempts = 0;
  int sendir_id = -1;   // id of the last attempt
  int error_code = -1;  // ERR_ number
};

struct SendPolicy {
  Duration reply_timeout{2000};
  int busy_retries = 5;
  Duration busy_delay{200};
  Duration busy_max_delay{2000};
};

// `repeat` 0 = the code's own. `next_id` gives a new id per attempt.
// `unsolicited` sees lines that answer nothing we wait for (late completions).
SendOutcome send_ir_code(ItachConnection& connection, const IrCode& code, int repeat, const SendPolicy& policy,
                         const std::function<int()>& next_id,
                         const std::function<void(const std::string&)>& unsolicited = {});

}  // namespace edgebridge::ir_tcp
