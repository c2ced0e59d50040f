#include "modbus/reading_output.hpp"

#include "core/json_text.hpp"

#include <cmath>

namespace edgebridge::modbus {

ChangeFilter::ChangeFilter(const ModbusSettings& settings)
    : settings_(settings), published_(settings.registers.size()) {}

bool ChangeFilter::changed(const Reading& r) const {
  const nlohmann::json& last = published_[r.index];
  if (last.is_null() || r.value.is_null()) return last != r.value;
  if (last.is_number() && r.value.is_number()) {
    const double delta = std::fabs(r.value.get<double>() - last.get<double>());
    const double deadband = settings_.registers[r.index].deadband;
    return deadband > 0 ? delta > deadband : r.value != last;
  }
  return last != r.value;
}

std::vector<Reading> ChangeFilter::select(std::vector<Reading> poll) {
  if (!settings_.output.on_change) return poll;
  bool all = first_;
  const int every = settings_.output.every;
  if (every > 0 && ++polls_since_all_ >= every) all = true;
  if (all) polls_since_all_ = 0;
  first_ = false;
  std::vector<Reading> out;
  for (auto& r : poll) {
    if (!all && !changed(r)) continue;
    published_[r.index] = r.value;
    out.push_back(std::move(r));
  }
  return out;
}

std::string plain_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return dump_json(value);
}

std::vector<Message> reading_messages(const ModbusSettings& settings, WallClock::time_point ts,
                                      const std::vector<Reading>& readings) {
  std::vector<Message> out;
  if (readings.empty()) return out;
  const auto now = WallClock::now();
  auto message = [&](std::string topic, std::string payload) {
    Message m;
    m.topic = std::move(topic);
    m.payload = std::move(payload);
    m.qos = settings.output.qos;
    m.retain = settings.output.retain;
    m.received_at = now;
    return m;
  };
  if (settings.output.json) {
    nlohmann::ordered_json doc;
    doc["ts"] = format_rfc3339_ms(ts);
    for (const auto& r : readings) doc[settings.registers[r.index].name] = r.value;
    out.push_back(message(settings.topic, dump_json(doc)));
  }
  if (settings.output.per_register) {
    for (const auto& r : readings)
      out.push_back(message(settings.topic + "/" + settings.registers[r.index].name, plain_text(r.value)));
  }
  return out;
}

}  // namespace edgebridge::modbus
