#include "ir_request.hpp"

#include <algorithm>
#include <cctype>

#include "config/units.hpp"

#include "core/echo.hpp"
#include "core/json_limits.hpp"
#include "core/text.hpp"

namespace edgebridge {
namespace {

bool valid_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string shown(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return "\"" + out + (s.size() > 40 ? "..." : "") + "\"";
}

IrRefusal bad(std::string message) { return {"bad_payload", std::move(message), Duration(0)}; }

// repeat and force from a JSON object (payload or rule args).
bool read_options(const nlohmann::json& obj, IrRequest& req, IrRefusal& refusal) {
  if (auto it = obj.find("repeat"); it != obj.end()) {
    if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > kIrMaxRepeat) {
      refusal = bad("\"repeat\" must be a whole number from 1 to 50, not " + echo_json(*it).dump());
      return false;
    }
    req.repeat = static_cast<int>(it->get<long long>());
  }
  if (auto it = obj.find("force"); it != obj.end()) {
    if (!it->is_boolean()) {
      refusal = bad("\"force\" must be true or false, not " + echo_json(*it).dump());
      return false;
    }
    req.force = it->get<bool>();
  }
  return true;
}

}  // namespace

std::optional<IrRequest> parse_ir_payload(const Message& message, IrRefusal& refusal, nlohmann::json& request_id) {
  IrRequest req;
  const std::string text = trim_whitespace(message.payload);
  if (text.empty()) {
    refusal = bad("the payload is empty; send a code name, e.g. close, or {\"code\":\"close\"}");
    return std::nullopt;
  }
  if (text[0] != '{' && text[0] != '"' && text[0] != '[') {
    if (!valid_name(text)) {
      refusal = bad(shown(text) + " is not a code name; send a name such as close, or JSON {\"code\":\"close\"}");
      return std::nullopt;
    }
    req.code = text;
    req.issued_at = message.received_at;
    return req;
  }
  // Bounded: a document deeper or larger than kPayloadJsonLimits is refused
  // unparsed (copying or printing one 60,000 levels deep overflows the stack).
  BoundedJson parsed = parse_json_bounded(text);
  if (parsed.refused) {
    refusal = bad("the payload was not parsed: " + parsed.error + "; send a code name or {\"code\":\"close\"}");
    return std::nullopt;
  }
  if (!parsed.ok()) {
    refusal = bad("the payload is not valid JSON: " + shown(text));
    return std::nullopt;
  }
  const nlohmann::json& j = parsed.value;
  if (j.is_string()) {
    req.code = j.get<std::string>();
    req.issued_at = message.received_at;
    if (!valid_name(req.code)) {
      refusal = bad(shown(req.code) + " is not a code name");
      return std::nullopt;
    }
    return req;
  }
  if (!j.is_object()) {
    refusal = bad("the payload must be a code name or a JSON object with \"code\"");
    return std::nullopt;
  }
  if (auto it = j.find("id"); it != j.end()) {
    if (it->is_string() || it->is_number()) request_id = echo_json(*it);  // echoed in the result: kept short
    req.request_id = request_id;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* known[] = {"code", "repeat", "force", "ts", "id"};
    if (std::none_of(std::begin(known), std::end(known), [&](const char* k) { return it.key() == k; })) {
      refusal = bad("unknown key " + shown(it.key()) + " in the payload; valid keys: code, repeat, force, ts, id");
      return std::nullopt;
    }
  }
  auto code = j.find("code");
  if (code == j.end() || !code->is_string() || !valid_name(code->get<std::string>())) {
    refusal = bad("the payload needs \"code\": the name of one of the device's codes");
    return std::nullopt;
  }
  req.code = code->get<std::string>();
  if (!read_options(j, req, refusal)) return std::nullopt;
  std::string why;
  auto issued = command_issued_at(&j, message, why);
  if (!issued) {
    refusal = bad(why);
    return std::nullopt;
  }
  req.issued_at = *issued;
  return req;
}

std::optional<IrRequest> ir_request_from_args(const std::string& command, const nlohmann::json& args, SystemTime now,
                                              IrRefusal& refusal) {
  IrRequest req;
  req.code = command;
  req.issued_at = now;
  if (!valid_name(command)) {
    refusal = bad(shown(command) + " is not a code name");
    return std::nullopt;
  }
  if (args.is_null()) return req;
  if (!args.is_object()) {
    refusal = bad("the action's arguments must be an object with repeat and/or force");
    return std::nullopt;
  }
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (it.key() != "repeat" && it.key() != "force" && it.key() != "id") {
      refusal = bad("unknown argument " + shown(it.key()) + "; valid: repeat, force, id");
      return std::nullopt;
    }
  }
  if (auto it = args.find("id"); it != args.end()) {
    if (!it->is_string() && !it->is_number()) {
      refusal = bad("\"id\" must be a string or a number");
      return std::nullopt;
    }
    req.request_id = echo_json(*it);  // echoed in the result: kept short
  }
  if (!read_options(args, req, refusal)) return std::nullopt;
  return req;
}

std::optional<IrRefusal> check_code(const IrRequest& request, const IrTcpSettings& settings) {
  if (settings.find(request.code)) return std::nullopt;
  return IrRefusal{"unknown_code",
                   "\"" + request.code + "\" is not a code of this device; known codes: " + settings.code_names(),
                   Duration(0)};
}

std::optional<IrRefusal> IrSafety::check(const IrRequest& request, SystemTime wall_now, Steady steady_now) const {
  const auto age = std::chrono::duration_cast<Duration>(wall_now - request.issued_at);
  if (settings_.ttl.count() > 0 && age > settings_.ttl)
    return IrRefusal{"expired",
                     "dropped: issued " + format_for_people(age) + " ago, older than the device's ttl of " +
                         format_duration(settings_.ttl) + "; it was not sent",
                     Duration(0)};
  if (!last_played_) return std::nullopt;
  const auto since = std::chrono::duration_cast<Duration>(steady_now - *last_played_);
  if (settings_.min_interval.count() > 0 && since < settings_.min_interval) {
    const Duration left = settings_.min_interval - since;
    return IrRefusal{"min_interval",
                     "refused: \"" + last_code_ + "\" was sent " + format_for_people(since) +
                         " ago and this device allows one command every " + format_duration(settings_.min_interval) +
                         "; try again in " + format_for_people(left, true),
                     left};
  }
  if (settings_.hold.count() > 0 && since < settings_.hold && !request.force &&
      settings_.opposite(request.code, last_code_)) {
    const Duration left = settings_.hold - since;
    return IrRefusal{"hold",
                     "ignored: \"" + request.code + "\" undoes \"" + last_code_ + "\", sent " +
                         format_for_people(since) + " ago, within the hold of " + format_duration(settings_.hold) +
                         "; send it with \"force\":true to override, or wait " + format_for_people(left, true),
                     left};
  }
  return std::nullopt;
}

void IrSafety::record_played(const std::string& code, Steady steady_now) {
  last_played_ = steady_now;
  last_code_ = code;
}

}  // namespace edgebridge
