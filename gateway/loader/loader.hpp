#pragma once
// Loads and validates bridge.yaml: the sections config/ reads, then `rules:`
// (rules/load_rules.hpp). Never throws for bad input: every problem is a
// Diagnostic; `config` is set only when there are no errors.
//
// This is the one place that knows every section, so config/ does not depend
// on rules/ (which reads its section with config's MapReader).

#include <string>

#include "config/device_kind.hpp"
#include "config/load_options.hpp"

namespace edgebridge {

LoadResult load_config_file(const std::string& path, const DeviceCatalog& catalog, const LoadOptions& options = {});
LoadResult load_config_text(const std::string& text, const std::string& file_name, const DeviceCatalog& catalog,
                            const LoadOptions& options = {});

}  // namespace edgebridge
