#include "write_command.hpp"

#include <cmath>

#include "core/echo.hpp"
#include "core/json_limits.hpp"
#include "value_codec.hpp"

namespace edgebridge::modbus {
namespace {

CheckedWrite reject(std::string why, CheckedWrite out = {}) {
  out.verdict = Verdict::rejected;
  out.why = std::move(why);
  return out;
}

std::string number_text(double v) { return format_number(v); }

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::accepted: return "accepted";
    case Verdict::rejected: return "rejected";
    case Verdict::expired: return "expired";
  }
  return "?";
}

CheckedWrite check_write(const ModbusSettings& device, const std::string& register_name, const nlohmann::json& args,
                         WallClock::time_point issued_at, WallClock::time_point now) {
  CheckedWrite out;
  out.command.register_name = register_name;
  nlohmann::json value = args;
  if (args.is_object()) {
    value = args.contains("value") ? args["value"] : nlohmann::json();
    if (args.contains("id")) out.command.id = args["id"];
  }
  out.command.value = value;
  const WriteRule* rule = device.find_write(register_name);
  const std::string shown = echo_text(register_name);
  if (!rule) {
    std::string writable;
    for (const auto& w : device.writes) writable += (writable.empty() ? "" : ", ") + w.register_name;
    if (device.find_register(register_name))
      return reject("\"" + shown + "\" is not writable: it is not listed under writes" +
                        (writable.empty() ? std::string(" (this device has no writable registers)")
                                          : "; writable: " + writable),
                    out);
    return reject("no register \"" + shown + "\"" +
                      (writable.empty() ? std::string("; this device has no writable registers")
                                        : "; writable: " + writable),
                  out);
  }
  const RegisterSpec& spec = device.registers[rule->register_index];
  out.command.table = spec.table;
  out.command.address = spec.address;
  out.command.multiple = rule->write_multiple;
  out.command.issued_at = issued_at;
  out.command.expires_at = issued_at + rule->ttl;

  if (issued_at > now + rule->ttl) return reject("\"ts\" lies in the future; check the sender's clock", out);
  if (now > out.command.expires_at) {
    out.verdict = Verdict::expired;
    out.why = "older than its ttl of " + format_duration(rule->ttl) + "; dropped, not executed late";
    return out;
  }

  if (spec.table == Table::coil) {
    bool on = false;
    if (value.is_boolean())
      on = value.get<bool>();
    else if (value.is_number() && (value.get<double>() == 0.0 || value.get<double>() == 1.0))
      on = value.get<double>() == 1.0;
    else
      return reject("\"" + shown + "\" is a coil: the value must be true or false", out);
    bool allowed = false;
    for (bool v : rule->values) allowed = allowed || v == on;
    if (!allowed)
      return reject(std::string("\"") + shown + "\" may not be set to " + (on ? "true" : "false") +
                        " (writes allow " + (on ? "only false" : "only true") + ")",
                    out);
    out.command.coil = on;
    out.command.value = on;
    out.verdict = Verdict::accepted;
    return out;
  }

  if (!value.is_number())
    return reject("\"value\" must be a number for \"" + shown + "\" (a " + to_string(spec.type) + ")", out);
  const double v = value.get<double>();
  if (!std::isfinite(v)) return reject("\"value\" is not a finite number", out);
  if (v < *rule->min || v > *rule->max)
    return reject(number_text(v) + " is outside the allowed range " + number_text(*rule->min) + " to " +
                      number_text(*rule->max) + " for \"" + shown + "\"",
                  out);
  if (is_integer(spec.type)) {
    const double raw = (v - spec.offset) / spec.scale;
    if (std::fabs(raw - std::round(raw)) > 1e-6 * std::max(1.0, std::fabs(raw)))
      return reject(number_text(v) + " is not a step of \"" + shown + "\" (an integer register with scale " +
                        number_text(spec.scale) + (spec.offset != 0 ? " and offset " + number_text(spec.offset) : "") +
                        ")",
                    out);
  }
  std::string why;
  auto words = encode_value(spec, v, why);
  if (!words) return reject(why, out);
  out.command.words = *words;
  out.command.multiple = rule->write_multiple || words->size() > 1;
  out.verdict = Verdict::accepted;
  return out;
}

CheckedWrite check_write_payload(const ModbusSettings& device, const std::string& payload,
                                 WallClock::time_point received_at, WallClock::time_point now) {
  // Bounded: a document deeper or larger than kPayloadJsonLimits is refused
  // unparsed (copying or printing one 60,000 levels deep overflows the stack).
  BoundedJson parsed = parse_json_bounded(payload);
  if (parsed.refused)
    return reject("the payload was not parsed: " + parsed.error +
                  "; send {\"register\": \"<name>\", \"value\": <value>}");
  nlohmann::json& doc = parsed.value;
  if (!parsed.ok() || !doc.is_object())
    return reject("the payload is not a JSON object; send {\"register\": \"<name>\", \"value\": <value>}");
  CheckedWrite base;
  if (doc.contains("id")) base.command.id = doc["id"];
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    if (key != "register" && key != "value" && key != "id" && key != "ts")
      return reject("unknown key \"" + echo_text(key) + "\"; a command has register, value and optionally id and ts",
                    base);
  }
  auto reg = doc.find("register");
  if (reg == doc.end() || !reg->is_string())
    return reject("\"register\" is missing or not a string; send {\"register\": \"<name>\", \"value\": <value>}", base);
  base.command.register_name = reg->get<std::string>();
  if (!doc.contains("value")) return reject("\"value\" is missing", base);
  base.command.value = doc["value"];
  std::string why;
  auto issued = command_issued_at(doc, received_at, why);
  if (!issued) return reject(why, base);
  nlohmann::json args = {{"value", doc["value"]}};
  if (doc.contains("id")) args["id"] = doc["id"];
  return check_write(device, base.command.register_name, args, *issued, now);
}

std::string result_payload(const std::string& device, const std::string& register_name, const nlohmann::json& value,
                           const nlohmann::json& id, const std::string& status, const std::string& error,
                           WallClock::time_point now, const nlohmann::json& read_back) {
  nlohmann::ordered_json out;
  out["ts"] = format_rfc3339_ms(now);
  out["device"] = device;
  // What the sender sent is echoed within kEchoLimit (core/echo.hpp).
  if (!register_name.empty()) out["register"] = echo_text(register_name);
  if (!value.is_null()) out["value"] = echo_json(value);
  if (!id.is_null()) out["id"] = echo_json(id);
  out["status"] = status;
  if (!error.empty()) out["error"] = error;
  if (!read_back.is_null()) out["read_back"] = read_back;
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace edgebridge::modbus
