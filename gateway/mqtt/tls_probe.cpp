#include "mqtt/tls_probe.hpp"

#include "mqtt/tls_context.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "core/text.hpp"

namespace edgebridge {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool is_ip(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Connects with a timeout; on failure returns the reason.
std::string tcp_connect(const Url& url, int timeout_ms, Fd& out) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(url.port);
  if (int rc = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return "cannot resolve host \"" + url.host + "\": " + gai_strerror(rc);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  std::string last = "no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    Fd fd;
    fd.fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd.fd < 0) continue;
    int rc = ::connect(fd.fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd.fd, POLLOUT, 0};
      rc = ::poll(&p, 1, timeout_ms);
      if (rc == 0) {
        last = "no answer from " + url.host + ":" + port + " (timed out)";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      last = "cannot reach " + url.host + ":" + port + ": " + errno_text(errno);
      continue;
    }
    fcntl(fd.fd, F_SETFL, fcntl(fd.fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    out.fd = fd.fd;
    fd.fd = -1;
    return {};
  }
  return last;
}

bool mentions(const std::string& text, const char* word) { return text.find(word) != std::string::npos; }

}  // namespace

TlsDiagnosis diagnose_tls(const Url& url, const TlsConfig& tls, Duration timeout) {
  const int timeout_ms = static_cast<int>(std::min<Duration::rep>(timeout.count(), 10'000));
  Fd sock;
  if (auto why = tcp_connect(url, timeout_ms, sock); !why.empty()) return {why, true};

  std::string error;
  SslCtxPtr ctx = make_client_tls_context(tls, url.host, error);
  if (!ctx) return {error};

  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), sock.fd);
  const bool ip = is_ip(url.host);
  if (!ip) SSL_set_tlsext_host_name(ssl.get(), url.host.c_str());

  if (SSL_connect(ssl.get()) != 1) {
    const long verify = SSL_get_verify_result(ssl.get());
    const std::string errors = take_openssl_errors();
    if (verify != X509_V_OK) {
      std::string why = std::string("the server certificate was refused: ") +
                        X509_verify_cert_error_string(verify);
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
        why += " (it does not name \"" + url.host + "\", the host in url)";
      else if (verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || verify == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
               verify == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
        why += " (its CA is not in ca_file \"" + tls.ca_file + "\")";
      return {why};
    }
    if (mentions(errors, "unknown ca") || mentions(errors, "bad certificate") ||
        mentions(errors, "certificate required") || mentions(errors, "certificate unknown") ||
        mentions(errors, "access denied"))
      return {"the broker rejected this gateway's client certificate (" + errors + ")"};
    if (errors.empty()) return {"the TLS handshake failed: the server closed the connection"};
    return {"the TLS handshake failed: " + errors};
  }
  // TLS 1.3: a broker that rejects the client certificate says so after the
  // handshake, when it reads; wait briefly for such an alert. A healthy broker
  // says nothing until it gets a CONNECT; one that closes the connection now,
  // without an alert, refused us without saying why (Node's TLS server does
  // that with a client certificate it does not accept).
  const int wait_ms = std::min(timeout_ms, 500);
  timeval tv{wait_ms / 1000, (wait_ms % 1000) * 1000};
  setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte;
  const int n = SSL_read(ssl.get(), &byte, 1);
  if (n <= 0) {
    const int code = SSL_get_error(ssl.get(), n);
    const int saved_errno = errno;
    const std::string errors = take_openssl_errors();
    if (!errors.empty() && (mentions(errors, "alert") || mentions(errors, "certificate")))
      return {"the broker rejected this gateway's client certificate (" + errors + ")"};
    const bool timed_out = code == SSL_ERROR_SYSCALL && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK);
    // OpenSSL 3 reports an end of the connection without close_notify as an error.
    const bool eof = code == SSL_ERROR_ZERO_RETURN || (code == SSL_ERROR_SYSCALL && !timed_out) ||
                     (code == SSL_ERROR_SSL && mentions(errors, "unexpected eof"));
    if (eof)
      return {"the server closed the connection right after the TLS handshake without saying why; it probably does "
              "not accept this gateway's client certificate"};
  }
  SSL_shutdown(ssl.get());
  return {};
}

}  // namespace edgebridge
