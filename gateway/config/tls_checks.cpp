// Start-up checks of a remote's TLS files, so a bad file is a clear
// configuration error instead of a handshake that fails later for no visible
// reason. The checks themselves are in tls_files.cpp (shared with the
// certificate watcher); here each problem is placed at its key in bridge.yaml.
#include "config/sections.hpp"
#include "config/tls_files.hpp"

namespace edgebridge::sections {

void check_tls_files(MapReader& tls, const YAML::Node& fallback, const TlsConfig& config) {
  auto& ctx = tls.context();
  for (const auto& problem : check_tls_file_contents(config)) {
    YAML::Node at = tls.raw(problem.key.c_str());
    if (!at.IsDefined()) at = fallback;
    if (problem.severity == Severity::error)
      ctx.error(at, tls.key_path(problem.key.c_str()), problem.message);
    else
      ctx.warning(at, tls.key_path(problem.key.c_str()), problem.message);
  }
}

}  // namespace edgebridge::sections
