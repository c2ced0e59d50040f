// Fuzzes the json line parser and the raw parser; what they publish must
// serialise even when the bytes are not UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>

#include "line_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return 0;  // max_line's upper bound
  static const auto json = edgebridge::make_json_parser();
  static const auto raw = edgebridge::make_raw_parser();
  const std::string line(reinterpret_cast<const char*>(data), size);
  for (const auto* p : {json.get(), raw.get()}) {
    auto r = p->parse(line);
    if (r.kind == edgebridge::LineResult::Kind::reading)
      (void)r.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  (void)edgebridge::printable_excerpt(line);
  return 0;
}
