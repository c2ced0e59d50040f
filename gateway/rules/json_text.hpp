#pragma once
// JSON to text without exceptions: payloads and SQL string literals may hold
// invalid UTF-8, which nlohmann's dump() would throw on; here it becomes U+FFFD.

#include <string>

#include <nlohmann/json.hpp>

namespace edgebridge::rules {

inline std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edgebridge::rules
