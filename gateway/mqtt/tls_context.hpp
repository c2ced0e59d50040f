#pragma once
// The OpenSSL client context for a remote's `tls:` settings, shared by the
// MQTT connection (handed to libmosquitto) and the TLS probe, so both check
// the same things: TLS 1.2 or newer; the server certificate verified against
// ca_file (the system's CAs when it is empty) and its host name (or IP
// address) checked against the host in url unless verify_hostname is false;
// the client certificate chain and key for mutual TLS; ALPN protocols.

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "config/config.hpp"

namespace edgebridge {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// Null with `error` set (in words, naming the file) when a file cannot be used.
SslCtxPtr make_client_tls_context(const TlsConfig& tls, const std::string& host, std::string& error);

// The OpenSSL error queue as text ("; "-separated reasons), emptied.
std::string take_openssl_errors();

}  // namespace edgebridge
