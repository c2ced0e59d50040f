#pragma once
// JSON to text without exceptions: payloads and topics may hold invalid
// UTF-8, which nlohmann's dump() would throw on; here it becomes U+FFFD.

#include <string>

#include <nlohmann/json.hpp>

namespace edgebridge {

template <typename Json>
std::string dump_json(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace edgebridge
