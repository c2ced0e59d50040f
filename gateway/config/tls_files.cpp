#include "config/tls_files.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace edgebridge {
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

class Checker {
 public:
  explicit Checker(std::time_t now) : now_(now) {}

  void error(const char* key, std::string message) { problems.push_back({key, Severity::error, std::move(message)}); }
  void warning(const char* key, std::string message) {
    problems.push_back({key, Severity::warning, std::move(message)});
  }

  // Opens `path` for reading, or records why not. Null on error.
  File open(const char* key, const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      error(key, "cannot read \"" + path + "\": no such file");
      return File(nullptr);
    }
    if (!S_ISREG(st.st_mode)) {
      error(key, "\"" + path + "\" is not a regular file");
      return File(nullptr);
    }
    File f(std::fopen(path.c_str(), "rb"));
    if (!f) error(key, "cannot read \"" + path + "\": permission denied");
    return f;
  }

  void check_dates(X509* cert, const std::string& path) {
    std::time_t now = now_;
    const ASN1_TIME* not_after = X509_get0_notAfter(cert);
    const ASN1_TIME* not_before = X509_get0_notBefore(cert);
    if (X509_cmp_time(not_after, &now) < 0) {
      error("cert_file", "the certificate in \"" + path + "\" expired on " + format_time(not_after) +
                             "; issue a new one (the broker will refuse this one)");
      return;
    }
    std::time_t in_14_days = now + 14 * 24 * 3600;
    if (X509_cmp_time(not_after, &in_14_days) < 0)
      warning("cert_file", "the certificate in \"" + path + "\" expires on " + format_time(not_after) +
                               ", within 14 days; rotate it soon");
    if (X509_cmp_time(not_before, &now) > 0)
      warning("cert_file", "the certificate in \"" + path + "\" is not valid before " + format_time(not_before) +
                               "; is this machine's clock behind?");
  }

  std::vector<TlsFileProblem> problems;

 private:
  std::time_t now_;
};

}  // namespace

std::vector<TlsFileProblem> check_tls_file_contents(const TlsConfig& config, std::time_t now) {
  Checker c(now);
  if (!config.ca_file.empty()) {
    if (File f = c.open("ca_file", config.ca_file)) {
      X509Ptr ca(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), X509_free);
      ERR_clear_error();
      if (!ca) c.error("ca_file", "\"" + config.ca_file + "\" holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
  }

  X509Ptr cert(nullptr, X509_free);
  if (!config.cert_file.empty()) {
    if (File f = c.open("cert_file", config.cert_file)) {
      cert.reset(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
      ERR_clear_error();
      if (!cert)
        c.error("cert_file",
                "\"" + config.cert_file + "\" holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
      else
        c.check_dates(cert.get(), config.cert_file);
    }
  }

  if (!config.key_file.empty()) {
    struct stat st {};
    if (::stat(config.key_file.c_str(), &st) == 0 && (st.st_mode & S_IROTH)) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      c.error("key_file", "the private key \"" + config.key_file + "\" is readable by every user (mode " + mode +
                              "); refusing to use it. Run: chmod 600 " + config.key_file);
      return std::move(c.problems);
    }
    if (File f = c.open("key_file", config.key_file)) {
      // A null passphrase callback that refuses: an encrypted key fails instead of prompting.
      auto no_passphrase = [](char*, int, int, void*) -> int { return 0; };
      KeyPtr key(PEM_read_PrivateKey(f.get(), nullptr, no_passphrase, nullptr), EVP_PKEY_free);
      ERR_clear_error();
      if (!key) {
        c.error("key_file", "\"" + config.key_file + "\" holds no unencrypted PEM private key");
      } else if (cert && X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        c.error("key_file", "the private key in \"" + config.key_file + "\" does not belong to the certificate in \"" +
                                config.cert_file + "\"");
      }
    }
  }
  return std::move(c.problems);
}

bool has_tls_errors(const std::vector<TlsFileProblem>& problems) {
  return std::any_of(problems.begin(), problems.end(),
                     [](const TlsFileProblem& p) { return p.severity == Severity::error; });
}

}  // namespace edgebridge
