#include "config/fingerprint.hpp"

#include <map>

namespace edgebridge {
namespace {

void append(const YAML::Node& node, std::string& out) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: out += "~"; return;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      out += std::to_string(s.size()) + ":" + s;  // length-prefixed: no quoting needed
      return;
    }
    case YAML::NodeType::Sequence:
      out += "[";
      for (const auto& item : node) {
        append(item, out);
        out += ",";
      }
      out += "]";
      return;
    case YAML::NodeType::Map: {
      std::map<std::string, std::string> entries;
      for (const auto& kv : node) {
        std::string key, value;
        append(kv.first, key);
        append(kv.second, value);
        entries[key] = value;
      }
      out += "{";
      for (const auto& [k, v] : entries) out += k + "=" + v + ",";
      out += "}";
      return;
    }
  }
}

}  // namespace

std::string yaml_fingerprint(const YAML::Node& node) {
  std::string out;
  append(node, out);
  return out;
}

}  // namespace edgebridge
