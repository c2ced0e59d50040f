#pragma once
// What an iTach (or a GC-100) says back on port 4998, one line at a time
// (terminated by a carriage return):
//
//   completeir,1:1,7        the code with id 7 finished playing on 1:1
//   busyIR,1:1,7            1:1 is still playing another code; this one was not played
//   ERR_1:1,010             an error on 1:1 (newer firmware: connector and 3-digit code)
//   ERR_10                  the same error, older firmware
//   unknowncommand,10       a GC-100's error
//
// Anything else (version strings, device lists) is `other`.

#include <string>

namespace edgebridge::ir_tcp {

enum class ItachReplyKind { complete, busy, error, other };

struct ItachReply {
  ItachReplyKind kind = ItachReplyKind::other;
  bool has_connector = false;  // ERR_NN and unknowncommand carry none
  int module = 0;
  int connector = 0;
  int id = -1;          // completeir/busyIR: the sendir id
  int error_code = -1;  // ERR_/unknowncommand: the number
  bool gc100 = false;   // the error came as "unknowncommand" (GC-100 numbering)
  std::string text;     // the line as received (trimmed)
};

// Never throws; any bytes give a reply (possibly `other`).
ItachReply parse_itach_reply(const std::string& line);

// The error in words, e.g. 10 → "odd number of on/off values (they must come in on,off pairs)".
std::string describe_itach_error(int code, bool gc100 = false);

}  // namespace edgebridge::ir_tcp
