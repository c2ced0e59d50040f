#pragma once
// Small text helpers shared by the adapters' parsers.
#include <string>

namespace edgebridge {

// `s` without leading and trailing whitespace (std::isspace: space, \t, \r, \n, \v, \f).
std::string trim_whitespace(const std::string& s);

}  // namespace edgebridge
