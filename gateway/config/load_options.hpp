#pragma once
// What loading bridge.yaml takes and gives (loader/loader.hpp loads it; the
// section readers in config/ and rules/ take the options).

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/yaml_reader.hpp"

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

}  // namespace edgebridge
