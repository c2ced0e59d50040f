// Fuzzes what `edgebridge status` does with the body /stats answered: whatever
// answered on the metrics port (a gateway of another version, another
// program), parse_stats() takes it within bounds or says why, and
// format_status() prints any JSON object without throwing. Deep and huge
// bodies come from small seeds through expand_input.hpp.
#include <cstddef>
#include <cstdint>
#include <string>

#include "expand_input.hpp"
#include "observe/status_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body = edgebridge::fuzz::expand_input(data, size);
  std::string why;
  if (auto stats = edgebridge::parse_stats(body, why)) {
    (void)edgebridge::format_status(*stats);
  } else if (why.empty()) {
    __builtin_trap();  // a refusal always says why
  }
  return 0;
}
