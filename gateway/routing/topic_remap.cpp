#include "routing/topic_remap.hpp"

namespace edgebridge {

std::optional<std::string> remap_topic(std::string_view topic, std::string_view from_prefix,
                                       std::string_view to_prefix) {
  std::string out;
  if (topic.substr(0, from_prefix.size()) == from_prefix) {
    out.reserve(to_prefix.size() + topic.size() - from_prefix.size());
    out.append(to_prefix);
    out.append(topic.substr(from_prefix.size()));
  } else if (topic.size() + 1 == from_prefix.size() && from_prefix.back() == '/' &&
             from_prefix.substr(0, topic.size()) == topic) {
    // `topic` is the parent of from_prefix, matched by a trailing "#".
    if (to_prefix.empty() || to_prefix.back() != '/') return std::nullopt;
    out.assign(to_prefix.substr(0, to_prefix.size() - 1));
  } else {
    return std::nullopt;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace edgebridge
