#include "mqtt/tls_options.hpp"

namespace edgebridge {

mqtt::ssl_options make_ssl_options(const TlsConfig& tls) {
  mqtt::ssl_options ssl;
  ssl.set_ssl_version(MQTT_SSL_VERSION_TLS_1_2);  // the minimum; OpenSSL negotiates 1.3 when offered
  if (!tls.ca_file.empty()) ssl.set_trust_store(tls.ca_file);
  if (!tls.cert_file.empty()) ssl.set_key_store(tls.cert_file);  // may hold the chain after the leaf
  if (!tls.key_file.empty()) ssl.set_private_key(tls.key_file);
  ssl.set_enable_server_cert_auth(!tls.insecure);
  ssl.set_verify(!tls.insecure && tls.verify_hostname);
  if (!tls.alpn.empty()) ssl.set_alpn_protos(tls.alpn);
  return ssl;
}

}  // namespace edgebridge
