#pragma once
// When a TLS connection to a remote fails, the MQTT library says little ("TLS
// error", "connection lost"). This probe repeats the TCP connect and TLS
// handshake with the same context (mqtt/tls_context.hpp: CA, client
// certificate, SNI, host name) using OpenSSL directly, and says in words what
// went wrong: the host cannot be reached, the server certificate names another
// host, its CA is not trusted, the broker rejected our certificate, or closed
// the connection right after the handshake without saying why. It sends no
// MQTT CONNECT. Blocking: run it off the event loop.

#include <string>

#include "config/config.hpp"

namespace edgebridge {

struct TlsDiagnosis {
  std::string why;           // empty: the handshake succeeded and the server then waited for a CONNECT
  bool unreachable = false;  // no TCP connection at all (name, route, refused, no answer)
};
TlsDiagnosis diagnose_tls(const Url& url, const TlsConfig& tls, Duration timeout);

}  // namespace edgebridge
