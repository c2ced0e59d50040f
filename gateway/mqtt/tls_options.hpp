#pragma once
// Paho SSL options from a remote's `tls:` settings: TLS 1.2 or newer, the
// server certificate verified against ca_file and its host name checked
// (unless explicitly turned off), client certificate chain and key for mutual
// TLS, SNI (Paho sends the host name), and optional ALPN protocols.

#include <mqtt/ssl_options.h>

#include <string>

#include "config/config.hpp"

namespace edgebridge {

mqtt::ssl_options make_ssl_options(const TlsConfig& tls);

}  // namespace edgebridge
