// Start-up checks of a remote's TLS files, so a bad file is a clear
// configuration error instead of a handshake that fails later for no visible
// reason. The private key's content is never printed.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "config/sections.hpp"

namespace edgebridge::sections {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string format_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "an unreadable date";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// Opens `path` for reading, or reports why not. Returns null on error.
File open_file(MapReader& tls, const char* key, const YAML::Node& fallback, const std::string& path) {
  YAML::Node at = tls.raw(key);
  if (!at.IsDefined()) at = fallback;
  auto& ctx = tls.context();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    ctx.error(at, tls.key_path(key), "cannot read \"" + path + "\": no such file");
    return File(nullptr);
  }
  if (!S_ISREG(st.st_mode)) {
    ctx.error(at, tls.key_path(key), "\"" + path + "\" is not a regular file");
    return File(nullptr);
  }
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) ctx.error(at, tls.key_path(key), "cannot read \"" + path + "\": permission denied");
  return f;
}

void check_certificate_dates(MapReader& tls, const YAML::Node& at, X509* cert, const std::string& path) {
  auto& ctx = tls.context();
  const std::string key_path = tls.key_path("cert_file");
  std::time_t now = std::time(nullptr);
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  const ASN1_TIME* not_before = X509_get0_notBefore(cert);
  if (X509_cmp_time(not_after, &now) < 0) {
    ctx.error(at, key_path, "the certificate in \"" + path + "\" expired on " + format_time(not_after) +
                                "; issue a new one (the broker will refuse this one)");
    return;
  }
  std::time_t in_14_days = now + 14 * 24 * 3600;
  if (X509_cmp_time(not_after, &in_14_days) < 0) {
    ctx.warning(at, key_path, "the certificate in \"" + path + "\" expires on " + format_time(not_after) +
                                  ", within 14 days; rotate it soon");
  }
  if (X509_cmp_time(not_before, &now) > 0) {
    ctx.warning(at, key_path, "the certificate in \"" + path + "\" is not valid before " + format_time(not_before) +
                                  "; is this machine's clock behind?");
  }
}

}  // namespace

void check_tls_files(MapReader& tls, const YAML::Node& fallback, const TlsConfig& config) {
  auto& ctx = tls.context();
  auto node_for = [&](const char* key) {
    YAML::Node n = tls.raw(key);
    return n.IsDefined() ? n : fallback;
  };

  if (!config.ca_file.empty()) {
    if (File f = open_file(tls, "ca_file", fallback, config.ca_file)) {
      X509Ptr ca(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), X509_free);
      if (!ca)
        ctx.error(node_for("ca_file"), tls.key_path("ca_file"),
                  "\"" + config.ca_file + "\" holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
  }

  X509Ptr cert(nullptr, X509_free);
  if (!config.cert_file.empty()) {
    if (File f = open_file(tls, "cert_file", fallback, config.cert_file)) {
      cert.reset(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
      if (!cert)
        ctx.error(node_for("cert_file"), tls.key_path("cert_file"),
                  "\"" + config.cert_file + "\" holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
      else
        check_certificate_dates(tls, node_for("cert_file"), cert.get(), config.cert_file);
    }
  }

  if (!config.key_file.empty()) {
    struct stat st {};
    if (::stat(config.key_file.c_str(), &st) == 0 && (st.st_mode & S_IROTH)) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      ctx.error(node_for("key_file"), tls.key_path("key_file"),
                "the private key \"" + config.key_file + "\" is readable by every user (mode " + mode +
                    "); refusing to use it. Run: chmod 600 " + config.key_file);
      return;
    }
    if (File f = open_file(tls, "key_file", fallback, config.key_file)) {
      // A null passphrase callback that refuses: an encrypted key fails instead of prompting.
      auto no_passphrase = [](char*, int, int, void*) -> int { return 0; };
      KeyPtr key(PEM_read_PrivateKey(f.get(), nullptr, no_passphrase, nullptr), EVP_PKEY_free);
      ERR_clear_error();
      if (!key) {
        ctx.error(node_for("key_file"), tls.key_path("key_file"),
                  "\"" + config.key_file + "\" holds no unencrypted PEM private key");
      } else if (cert && X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        ctx.error(node_for("key_file"), tls.key_path("key_file"),
                  "the private key in \"" + config.key_file + "\" does not belong to the certificate in \"" +
                      config.cert_file + "\"");
      }
    }
  }
}

}  // namespace edgebridge::sections
