#include "common/command_time.hpp"

#include "config/units.hpp"

namespace edgebridge {

std::string format_for_people(std::chrono::milliseconds d, bool round_up) {
  auto ms = d.count();
  if (ms < 0) ms = 0;
  if (ms < 1000) return std::to_string(ms) + "ms";
  const long long secs = round_up ? (ms + 999) / 1000 : (ms + 500) / 1000;
  return format_duration(std::chrono::milliseconds(secs * 1000));
}

std::optional<SystemTime> command_issued_at(const nlohmann::json* payload, const Message& message, std::string& why) {
  static const nlohmann::json none;
  return command_issued_at(payload ? *payload : none, message.received_at, why);
}

}  // namespace edgebridge
