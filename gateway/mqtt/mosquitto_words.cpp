#include "mqtt/mosquitto_words.hpp"

#include <mosquitto.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/text.hpp"

namespace edgebridge {

std::string describe_mosquitto_error(int rc, int errno_value, const std::string& logged) {
  std::string text;
  switch (rc) {
    case MOSQ_ERR_CONN_LOST: text = "the connection was closed by the other side"; break;
    case MOSQ_ERR_KEEPALIVE: text = "no answer within the keepalive"; break;
    case MOSQ_ERR_TLS: text = "TLS error"; break;
    case MOSQ_ERR_TLS_HANDSHAKE: text = "TLS handshake failed"; break;
    case MOSQ_ERR_PROTOCOL: text = "protocol error"; break;
    case MOSQ_ERR_EAI: text = "the host name cannot be resolved"; break;
    case MOSQ_ERR_NO_CONN: text = "not connected"; break;
    case MOSQ_ERR_CONN_REFUSED: text = "the broker refused the connection"; break;
    case MOSQ_ERR_ERRNO:
      // libmosquitto reports a TLS read or write that failed below TLS (a TCP
      // reset, a close without close_notify) as EPROTO, "Protocol error".
      if (errno_value == EPROTO)
        text = "the TLS connection broke off (a TCP reset, or closed without a TLS close_notify)";
      else
        text = errno_value != 0 ? errno_text(errno_value) : "system error";
      break;
    default: {
      const char* s = mosquitto_strerror(rc);
      text = s != nullptr && std::strcmp(s, "Unknown error.") != 0 ? s : "error " + std::to_string(rc);
    }
  }
  if (!logged.empty() && (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_TLS_HANDSHAKE)) text += " (" + logged + ")";
  return text;
}

std::string describe_reason_code(int code, bool v311) {
  if (v311) {
    static const char* codes[] = {"accepted", "unacceptable protocol version", "client id rejected",
                                  "server unavailable", "bad user name or password", "not authorized"};
    if (code >= 0 && code <= 5) return codes[code];
    return "return code " + std::to_string(code);
  }
  const char* s = mosquitto_reason_string(code);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", code);
  return s != nullptr ? std::string(s) + " (" + hex + ")" : std::string("reason ") + hex;
}

}  // namespace edgebridge
