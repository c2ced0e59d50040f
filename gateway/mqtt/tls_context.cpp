#include "mqtt/tls_context.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace edgebridge {

namespace {

bool is_ip(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::string take_openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!reason) continue;
    if (!out.empty()) out += "; ";
    out += reason;
  }
  return out;
}

SslCtxPtr make_client_tls_context(const TlsConfig& tls, const std::string& host, std::string& error) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    error = "OpenSSL cannot create a TLS context: " + take_openssl_errors();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (tls.ca_file.empty()) {
    SSL_CTX_set_default_verify_paths(ctx.get());
  } else if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1) {
    error = "cannot load ca_file \"" + tls.ca_file + "\": " + take_openssl_errors();
    return nullptr;
  }
  if (!tls.cert_file.empty() && SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert_file.c_str()) != 1) {
    error = "cannot load cert_file \"" + tls.cert_file + "\": " + take_openssl_errors();
    return nullptr;
  }
  if (!tls.key_file.empty()) {
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      error = "cannot load key_file \"" + tls.key_file + "\": " + take_openssl_errors();
      return nullptr;
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      error = "key_file \"" + tls.key_file + "\" does not match cert_file \"" + tls.cert_file + "\"";
      ERR_clear_error();
      return nullptr;
    }
  }
  SSL_CTX_set_verify(ctx.get(), tls.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  if (!tls.insecure && tls.verify_hostname) {
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx.get());
    if (is_ip(host)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    }
  }
  if (!tls.alpn.empty()) {
    std::string wire;
    for (const auto& p : tls.alpn) {
      wire += static_cast<char>(p.size());
      wire += p;
    }
    SSL_CTX_set_alpn_protos(ctx.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
  }
  return ctx;
}

}  // namespace edgebridge
