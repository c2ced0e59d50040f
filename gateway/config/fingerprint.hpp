#pragma once
// A YAML node as text that does not change with comments, blank lines, flow or
// block style, or the order of keys in a map: what a reload compares to tell
// whether a device entry or the rules changed.

#include <string>

#include <yaml-cpp/yaml.h>

namespace edgebridge {

std::string yaml_fingerprint(const YAML::Node& node);

}  // namespace edgebridge
