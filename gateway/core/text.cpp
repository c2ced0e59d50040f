#include "core/text.hpp"

#include <cctype>
#include <cstring>

namespace edgebridge {

namespace {

// strerror_r is POSIX's (returns 0 and fills the buffer) or GNU's (returns the
// message, in the buffer or not), depending on the C library and its macros.
[[maybe_unused]] const char* strerror_r_result(int rc, const char* buffer) {
  return rc == 0 ? buffer : "unknown error";
}
[[maybe_unused]] const char* strerror_r_result(const char* message, const char*) { return message; }

}  // namespace

std::string trim_whitespace(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string errno_text(int err) {
  char buffer[256] = {};
  return strerror_r_result(strerror_r(err, buffer, sizeof buffer), buffer);
}

}  // namespace edgebridge
