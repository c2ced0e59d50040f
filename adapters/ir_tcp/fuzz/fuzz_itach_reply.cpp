// Fuzzes the iTach reply parser (and the error translation it feeds), the
// sendir/Pronto code parser, and the line framer that cuts serial input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ir_tcp/ir_code.hpp"
#include "ir_tcp/itach_reply.hpp"
#include "serial_line/line_framer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto reply = edgebridge::ir_tcp::parse_itach_reply(text);
  if (reply.kind == edgebridge::ir_tcp::ItachReplyKind::error)
    (void)edgebridge::ir_tcp::describe_itach_error(reply.error_code, reply.gc100);
  std::string why;
  if (auto code = edgebridge::ir_tcp::parse_ir_code(text, why)) {
    (void)code->sendir(1, 2);
    (void)code->play_time();
  }
  edgebridge::serial_line::LineFramer framer("\r\n", 64);
  std::size_t lines = 0;
  for (std::size_t i = 0; i < size; i += 7)
    framer.feed(text.data() + i, std::min<std::size_t>(7, size - i), [&](const auto&) { ++lines; });
  return 0;
}
