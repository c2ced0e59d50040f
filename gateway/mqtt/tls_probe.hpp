#pragma once
// When a TLS connection to a remote fails, Paho reports only "TCP/TLS connect
// failure". This probe repeats the TCP connect and TLS handshake with the same
// files and checks (CA, client certificate, SNI, host name) using OpenSSL
// directly, and says in words what went wrong: the host cannot be reached, the
// server certificate names another host, its CA is not trusted, the broker
// rejected our certificate, ... It sends no MQTT CONNECT.

#include <string>

#include "config/config.hpp"

namespace edgebridge {

// Empty when the handshake (and a short read after it) succeeded.
std::string diagnose_tls(const Url& url, const TlsConfig& tls, Duration timeout);

}  // namespace edgebridge
