#pragma once
// The settings of one `type: ir_tcp` device, after validation.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "ir_tcp/ir_code.hpp"

namespace edgebridge::ir_tcp {

struct IrTcpSettings final : DeviceSettings {
  std::string host;
  int port = 4998;
  std::optional<IrConnector> connector;  // overrides every code's connector when set
  std::map<std::string, IrCode> codes;   // by name; connector override already applied
  // Pairs of codes that undo each other; `hold` refuses one within hold of the other.
  std::vector<std::pair<std::string, std::string>> opposites{{"open", "close"}, {"on", "off"}};
  Duration min_interval{0};     // 0 = no limit
  Duration hold{0};             // 0 = no hold
  Duration ttl{60'000};         // commands older than this are dropped
  Duration reply_timeout{2000};  // beyond the code's own play time
  Duration connect_timeout{5000};
  int busy_retries = 5;
  Duration busy_delay{200};     // doubles per retry, at most busy_max_delay
  Duration busy_max_delay{2000};
  int max_queue = 16;           // commands waiting for the emitter
  ReconnectPolicy reconnect{Duration{1000}, Duration{30'000}, Duration{60'000}};

  std::string result_topic;  // <topic>/result

  const IrCode* find(const std::string& name) const;
  bool opposite(const std::string& a, const std::string& b) const;
  std::string code_names() const;  // "close, open"
  std::string address() const { return host + ":" + std::to_string(port); }
};

}  // namespace edgebridge::ir_tcp
