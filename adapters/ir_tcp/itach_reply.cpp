#include "ir_tcp/itach_reply.hpp"

#include <cctype>

#include "core/text.hpp"

namespace edgebridge::ir_tcp {
namespace {

bool starts_with_nocase(const std::string& s, const char* prefix) {
  std::size_t i = 0;
  for (; prefix[i]; ++i) {
    if (i >= s.size() || std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// Reads a decimal number of 1-6 digits at `pos`; advances `pos`.
bool number_at(const std::string& s, std::size_t& pos, int& out) {
  std::size_t start = pos;
  int v = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) && pos - start < 6) {
    v = v * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos == start || (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))) return false;
  out = v;
  return true;
}

// "1:1" at `pos`.
bool connector_at(const std::string& s, std::size_t& pos, int& module, int& connector) {
  if (!number_at(s, pos, module)) return false;
  if (pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  return number_at(s, pos, connector);
}

}  // namespace

ItachReply parse_itach_reply(const std::string& raw) {
  ItachReply r;
  r.text = trim_whitespace(raw);
  const std::string& s = r.text;
  auto with_connector_and_id = [&](std::size_t pos, ItachReplyKind kind) {
    int module = 0, connector = 0, id = 0;
    if (!connector_at(s, pos, module, connector)) return;
    if (pos >= s.size() || s[pos] != ',') return;
    ++pos;
    if (!number_at(s, pos, id) || pos != s.size()) return;
    r.kind = kind;
    r.has_connector = true;
    r.module = module;
    r.connector = connector;
    r.id = id;
  };
  if (starts_with_nocase(s, "completeir,")) {
    with_connector_and_id(11, ItachReplyKind::complete);
  } else if (starts_with_nocase(s, "busyir,")) {
    with_connector_and_id(7, ItachReplyKind::busy);
  } else if (starts_with_nocase(s, "err_") || starts_with_nocase(s, "err ")) {
    std::size_t pos = 4;
    int a = 0;
    if (!number_at(s, pos, a)) return r;
    if (pos == s.size()) {  // ERR_NN
      r.kind = ItachReplyKind::error;
      r.error_code = a;
      return r;
    }
    int connector = 0, code = 0;
    if (s[pos] != ':') return r;
    ++pos;
    if (!number_at(s, pos, connector) || pos >= s.size() || s[pos] != ',') return r;
    ++pos;
    if (!number_at(s, pos, code) || pos != s.size()) return r;
    r.kind = ItachReplyKind::error;
    r.has_connector = true;
    r.module = a;
    r.connector = connector;
    r.error_code = code;
  } else if (starts_with_nocase(s, "unknowncommand")) {
    std::size_t pos = 14;
    while (pos < s.size() && (s[pos] == ',' || s[pos] == ' ')) ++pos;
    int code = 0;
    r.kind = ItachReplyKind::error;
    r.gc100 = true;
    r.error_code = (pos < s.size() && number_at(s, pos, code) && pos == s.size()) ? code : 0;
  }
  return r;
}

std::string describe_itach_error(int code, bool gc100) {
  if (gc100) {
    switch (code) {
      case 1: return "the command was not terminated by a carriage return in time";
      case 2: case 3: return "invalid module address (no such module)";
      case 4: return "invalid connector address";
      case 5: case 6: case 7: return "the connector is set up as a sensor input, not IR out";
      case 8: return "the offset must be an odd number";
      case 9: case 15: return "too many on/off values";
      case 10: case 16: return "odd number of on/off values (they must come in on,off pairs)";
      case 11: return "contact closure command sent to a module that is not a relay";
      case 12: return "missing carriage return";
      case 13: return "state requested of a connector that is not an input";
      case 14: return "command not supported by this unit";
      case 21: return "IR command sent to a module that is not IR";
      default: return "unknown command (GC-100 error " + std::to_string(code) + ")";
    }
  }
  switch (code) {
    case 1: return "invalid command (the iTach does not know it)";
    case 2: return "invalid module address (no such module)";
    case 3: return "invalid connector address (no such connector)";
    case 4: return "invalid ID value";
    case 5: return "invalid carrier frequency";
    case 6: return "invalid repeat value";
    case 7: return "invalid offset value";
    case 8: return "invalid pulse count (an on/off value is out of range)";
    case 9: return "invalid pulse data";
    case 10: return "odd number of on/off values (they must come in on,off pairs)";
    case 11: return "no carriage return found";
    case 12: return "repeat count exceeded";
    case 13: return "IR command sent to a connector set up as an input";
    case 14: return "blaster command sent to a connector that is not a blaster";
    case 15: return "no carriage return before the buffer was full";
    case 16: return "no carriage return";
    case 17: return "bad command syntax";
    case 18: return "sensor command sent to a connector that is not an input";
    case 19: return "the IR transmission failed repeatedly";
    case 20: return "more on/off pairs than the iTach accepts";
    case 21: return "symbol on an odd boundary (compressed code)";
    case 22: return "undefined symbol (compressed code)";
    case 23: return "unknown option";
    case 24: return "invalid baud rate setting";
    case 25: return "invalid flow control setting";
    case 26: return "invalid parity setting";
    case 27: return "settings are locked";
    default: return "unknown iTach error " + std::to_string(code);
  }
}

}  // namespace edgebridge::ir_tcp
