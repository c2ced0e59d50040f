#include "core/topic_names.hpp"

namespace edgebridge {

std::string topic_filter_problem(const std::string& filter) {
  if (filter.empty()) return "a topic filter cannot be empty";
  if (filter.size() > 65535) return "a topic filter is at most 65535 bytes";
  if (filter.find('\0') != std::string::npos) return "a topic filter cannot contain a NUL character";
  std::size_t level_start = 0;
  for (std::size_t i = 0; i <= filter.size(); ++i) {
    if (i < filter.size() && filter[i] != '/') continue;
    const std::string level = filter.substr(level_start, i - level_start);
    if (level.find('#') != std::string::npos) {
      if (level != "#") return "\"#\" must be a whole level, e.g. sensors/#";
      if (i != filter.size()) return "\"#\" must be the last level of a filter";
    }
    if (level.find('+') != std::string::npos && level != "+")
      return "\"+\" must be a whole level, e.g. sensors/+/temperature";
    level_start = i + 1;
  }
  return {};
}

std::string topic_name_problem(const std::string& topic) {
  if (topic.empty()) return "a topic cannot be empty";
  if (topic.find_first_of("+#") != std::string::npos) return "a topic to publish on cannot contain + or #";
  if (topic.find('\0') != std::string::npos) return "a topic cannot contain a NUL character";
  return {};
}

}  // namespace edgebridge
