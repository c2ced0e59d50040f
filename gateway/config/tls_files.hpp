#pragma once
// Checks of a remote's TLS files on disk, without YAML: used by the loader
// (which turns each problem into a diagnostic at the file's key) and by the
// certificate watcher (which refuses a rotation that would not work). The
// private key's content is never printed.

#include <ctime>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostics.hpp"

namespace edgebridge {

struct TlsFileProblem {
  std::string key;  // ca_file | cert_file | key_file
  Severity severity = Severity::error;
  std::string message;
};

// Every file present, readable and a regular file; the certificates parse; the
// client certificate is not expired (warnings: expires within 14 days, not yet
// valid); the key is not world-readable, unencrypted, and belongs to the
// certificate.
std::vector<TlsFileProblem> check_tls_file_contents(const TlsConfig& tls, std::time_t now = std::time(nullptr));

// True when any problem is an error.
bool has_tls_errors(const std::vector<TlsFileProblem>& problems);

}  // namespace edgebridge
