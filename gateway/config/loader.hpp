#pragma once
// Loads and validates bridge.yaml. Never throws for bad input: every problem is
// a Diagnostic; `config` is set only when there are no errors.

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/yaml_reader.hpp"
#include "core/device.hpp"

namespace edgebridge {

struct LoadOptions {
  EnvLookup env = process_environment();
  // Open and check the TLS files (existence, permissions, expiry). Off only in
  // tests that look at the YAML alone.
  bool check_files = true;
  std::string default_gateway_id;  // empty: the host name
};

struct LoadResult {
  std::optional<Config> config;  // set only when there are no errors
  // The configuration as far as it could be read, also when there are errors
  // (bad values replaced by defaults); for showing routes next to the errors.
  std::optional<Config> draft;
  Diagnostics diagnostics;
};

LoadResult load_config_file(const std::string& path, const DeviceCatalog& catalog, const LoadOptions& options = {});
LoadResult load_config_text(const std::string& text, const std::string& file_name, const DeviceCatalog& catalog,
                            const LoadOptions& options = {});

}  // namespace edgebridge
