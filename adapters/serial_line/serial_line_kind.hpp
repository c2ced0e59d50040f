#pragma once
// `type: serial_line`: devices that print lines on a serial port (weather
// stations, GPS receivers, scales, meters). See README.md in this folder.

#include <memory>
#include <optional>
#include <string>

#include "config/device_kind.hpp"

namespace edgebridge::serial_line {

std::shared_ptr<const DeviceKind> serial_line_kind();

// "\r\n" written as backslash escapes in YAML single quotes or plain text
// becomes CR LF; \t, \\ and \xHH too. nullopt and `why` on a bad escape.
std::optional<std::string> unescape_delimiter(const std::string& text, std::string& why);

}  // namespace edgebridge::serial_line
