// Fuzzes the json line parser and the raw parser behind the line framer, as a
// serial device's bytes reach them: what they publish must serialise even when
// the bytes are not UTF-8, and a line nested 60,000 deep (or a 300 KiB burst
// without a line end) is a bad or overlong line, never a crash. Deep and long
// inputs come from small seeds through expand_input.hpp.
#include <cstddef>
#include <cstdint>
#include <string>

#include "expand_input.hpp"
#include "serial_line/line_framer.hpp"
#include "serial_line/line_parser.hpp"

namespace {

constexpr std::size_t kMaxLine = 65536;  // max_line's upper bound

void parse_line(const std::string& line) {
  static const auto json = edgebridge::serial_line::make_json_parser();
  static const auto raw = edgebridge::serial_line::make_raw_parser();
  for (const auto* p : {json.get(), raw.get()}) {
    auto r = p->parse(line);
    if (r.kind == edgebridge::serial_line::LineResult::Kind::reading)
      (void)r.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  (void)edgebridge::serial_line::printable_excerpt(line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = edgebridge::fuzz::expand_input(data, size);
  if (bytes.size() <= kMaxLine) parse_line(bytes);  // the whole input as one line
  edgebridge::serial_line::LineFramer framer("\n", kMaxLine);
  std::size_t lines = 0;  // the framer sees every byte; the first 100 lines are parsed (speed)
  framer.feed(bytes.data(), bytes.size(), [&lines](const edgebridge::serial_line::LineFramer::Event& e) {
    if (!e.overlong && ++lines <= 100) parse_line(e.text);
  });
  return 0;
}
