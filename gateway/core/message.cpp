#include "core/message.hpp"

namespace edgebridge {

const char* to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::local: return "local";
    case SourceKind::remote: return "remote";
    case SourceKind::device: return "device";
    case SourceKind::rule: return "rule";
  }
  return "?";
}

BatchFormat batch_format_named(const std::string& name) {
  return name == "json_lines" ? BatchFormat::json_lines : BatchFormat::json_array;
}

const char* to_string(BatchFormat f) {
  switch (f) {
    case BatchFormat::json_array: return "json_array";
    case BatchFormat::json_lines: return "json_lines";
  }
  return "?";
}

}  // namespace edgebridge
