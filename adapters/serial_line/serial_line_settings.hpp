#pragma once
// The settings of one `type: serial_line` device, after validation.

#include <memory>
#include <string>
#include <vector>

#include "common/serial_settings.hpp"
#include "config/config.hpp"
#include "serial_line/line_parser.hpp"

namespace edgebridge::serial_line {

struct SerialLineSettings final : DeviceSettings {
  std::string port;                 // /dev/ttyUSB0, /dev/serial/by-id/...
  SerialSettings serial;
  std::string delimiter = "\n";
  std::size_t max_line = 1024;      // bytes without the delimiter
  bool trim = true;                 // strip spaces and a trailing CR around each line
  std::vector<std::string> skip_prefixes;  // lines starting with one are ignored
  std::string parser_name = "raw";
  std::shared_ptr<const LineParser> parser;
  int qos = 1;
  bool retain = false;
  bool writable = false;
  std::string write_ending = "\r\n";  // appended to every write
  std::vector<std::string> write_allow;  // non-empty: only these payloads may be written
  Duration ttl{60'000};                  // writes older than this are dropped
  Rate max_error_reports{5.0};           // reports on <topic>/error per second; the rest are counted
  ReconnectPolicy reopen{Duration{1000}, Duration{30'000}, Duration{60'000}};

  std::string error_topic;         // <topic>/error
  std::string write_topic;         // <topic>/write
  std::string write_result_topic;  // <topic>/write/result
};

}  // namespace edgebridge::serial_line
