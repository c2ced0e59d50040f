#pragma once
// Reads the `rules:` section of bridge.yaml (called by the config loader
// after remotes and devices, which rule actions refer to).

#include "config/config.hpp"
#include "config/device_kind.hpp"
#include "config/yaml_reader.hpp"

namespace edgebridge {

// Fills config.rules (never null afterwards). Every problem goes to the
// reader's diagnostics, with the line and column in bridge.yaml and, for SQL
// and templates, the column inside the string.
void read_rules(MapReader& root, Config& config, const DeviceCatalog& catalog);

}  // namespace edgebridge
