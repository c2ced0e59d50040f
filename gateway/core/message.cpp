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

}  // namespace edgebridge
