#pragma once
// Small text helpers shared by the adapters and the gateway.
#include <string>

namespace edgebridge {

// `s` without leading and trailing whitespace (std::isspace: space, \t, \r, \n, \v, \f).
std::string trim_whitespace(const std::string& s);

// The message of an errno value ("Connection refused"), like std::strerror but
// safe to call from any thread (strerror may share one buffer between threads).
std::string errno_text(int err);

}  // namespace edgebridge
