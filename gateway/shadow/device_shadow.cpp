#include "shadow/device_shadow.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "core/echo.hpp"
#include "core/json_limits.hpp"
#include "core/json_text.hpp"

namespace edgebridge {
namespace {

using Json = nlohmann::json;

constexpr std::chrono::seconds kFirstBackoff{5};
constexpr std::chrono::seconds kMaxBackoff{60};

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A change worth reporting: numbers beyond the deadband, anything else when different.
bool differs(const Json& before, const Json& now, double deadband) {
  if (before.is_number() && now.is_number() && deadband > 0)
    return std::fabs(now.get<double>() - before.get<double>()) > deadband;
  return before != now;  // nlohmann compares integer and float numerically
}

std::int64_t timestamp_of(const Json& metadata, const std::string& key) {
  if (!metadata.is_object()) return 0;
  auto it = metadata.find(key);
  if (it == metadata.end() || !it->is_object()) return 0;
  auto ts = it->find("timestamp");
  return ts != it->end() && ts->is_number_integer() ? ts->get<std::int64_t>() : 0;
}

std::string as_text(const Json& v) { return v.is_string() ? v.get<std::string>() : dump_json(v); }

// A choice's value as JSON: a number, true, false stay typed; anything else is text.
Json choice_json(const std::string& text) {
  BoundedJson parsed = parse_json_bounded(text);
  if (parsed.ok() && (parsed.value.is_number() || parsed.value.is_boolean())) return parsed.value;
  return text;
}

std::string text_field(const Json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t int_field(const Json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

const Json& object_at(const Json& doc, const char* key) {
  static const Json empty = Json::object();
  if (!doc.is_object()) return empty;
  auto it = doc.find(key);
  return it != doc.end() && it->is_object() ? *it : empty;
}

// A desired or reported section merged into `into` as the service does: null deletes.
bool merge_section(Json& into, const Json& update) {
  bool changed = false;
  for (auto it = update.begin(); it != update.end(); ++it) {
    if (it->is_null()) {
      changed = into.erase(it.key()) > 0 || changed;
    } else if (!into.contains(it.key()) || into[it.key()] != *it) {
      into[it.key()] = *it;
      changed = true;
    }
  }
  return changed;
}

std::string keys_text(const std::set<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ",") + k;
  return out.empty() ? "-" : out;
}

}  // namespace

Json shadow_delta(const Json& desired, const Json& reported) {
  Json delta = Json::object();
  if (!desired.is_object()) return delta;
  for (auto it = desired.begin(); it != desired.end(); ++it) {
    auto r = reported.is_object() ? reported.find(it.key()) : reported.end();
    if (!reported.is_object() || r == reported.end() || *r != *it) delta[it.key()] = *it;
  }
  return delta;
}

DeviceShadow::DeviceShadow(std::shared_ptr<const ShadowConfig> config, Invoke invoke, std::string ids)
    : config_(std::move(config)), invoke_(std::move(invoke)), ids_(std::move(ids)), prefix_(config_->topic_prefix()) {}

std::vector<std::string> DeviceShadow::subscriptions() const {
  return {prefix_ + "/get/accepted", prefix_ + "/get/rejected", prefix_ + "/update/accepted",
          prefix_ + "/update/rejected", prefix_ + "/update/delta"};
}

std::string DeviceShadow::next_token() { return ids_ + std::to_string(++sequence_); }

void DeviceShadow::restore(const ShadowRecord& saved) {
  ShadowRecord mine;
  mine.remote = config_->remote;
  mine.thing = config_->thing;
  mine.name = config_->name;
  if (!saved.same_shadow(mine)) {
    spdlog::info("Saved shadow state belongs to another shadow; starting afresh. device={} saved_thing={} thing={}",
                 config_->device, saved.thing, config_->thing);
    return;
  }
  if (saved.reported.is_object())
    for (auto it = saved.reported.begin(); it != saved.reported.end(); ++it)
      if (config_->reports(it.key()) || config_->find_desired(it.key())) reported_[it.key()] = *it;
  if (saved.pending.is_array())
    for (const auto& k : saved.pending)
      if (k.is_string() && reported_.contains(k.get<std::string>())) pending_.insert(k.get<std::string>());
  if (saved.errors.is_object()) errors_ = saved.errors;
  if (saved.pending_errors.is_array())
    for (const auto& k : saved.pending_errors)
      if (k.is_string()) pending_errors_.insert(k.get<std::string>());
  if (saved.desired.is_object()) desired_ = saved.desired;
  version_ = saved.version;
  delta_version_ = saved.delta_version;
  accepted_ms_ = saved.accepted_ms;
  changed_ = true;
  if (!pending_.empty() || !pending_errors_.empty())
    spdlog::info("Shadow state restored; waiting for the cloud. device={} thing={} pending={}", config_->device,
                 config_->thing, keys_text(pending_));
}

ShadowRecord DeviceShadow::record() const {
  ShadowRecord r;
  r.device = config_->device;
  r.remote = config_->remote;
  r.thing = config_->thing;
  r.name = config_->name;
  r.reported = reported_;
  r.pending = Json::array();
  for (const auto& k : pending_) r.pending.push_back(k);
  r.errors = errors_;
  r.pending_errors = Json::array();
  for (const auto& k : pending_errors_) r.pending_errors.push_back(k);
  r.desired = desired_;
  r.version = version_;
  r.delta_version = delta_version_;
  r.accepted_ms = accepted_ms_;
  r.updated_ms = wall_ms();
  return r;
}

Json DeviceShadow::reported_view() const {
  Json view = reported_;
  if (!errors_.empty()) view[kShadowErrorsKey] = errors_;
  return view;
}

bool DeviceShadow::take_changed() {
  const bool was = changed_;
  changed_ = false;
  return was;
}

// ---- the device --------------------------------------------------------------

void DeviceShadow::on_device_message(const Message& message, Clock::time_point now) {
  const std::string& readings = config_->readings_topic;
  if (!readings.empty() && message.topic == readings) {
    BoundedJson parsed = parse_json_bounded(message.payload);
    if (parsed.ok() && parsed.value.is_object()) on_reading(parsed.value);
    return;
  }
  // output.per_register: <topic>/<key> carries one value as text.
  if (!readings.empty() && message.topic.size() > readings.size() + 1 &&
      message.topic.compare(0, readings.size() + 1, readings + "/") == 0) {
    const std::string key = message.topic.substr(readings.size() + 1);
    if (config_->reading_keys && std::any_of(config_->reading_keys->begin(), config_->reading_keys->end(),
                                             [&](const ShadowReadingKey& k) { return k.name == key; })) {
      BoundedJson parsed = parse_json_bounded(message.payload);
      Json value = parsed.ok() && !parsed.value.is_object() && !parsed.value.is_array() ? parsed.value
                                                                                        : Json(message.payload);
      on_reading(Json{{key, value}});
      return;
    }
  }
  if (message.payload.empty() || message.payload.front() != '{') return;
  BoundedJson parsed = parse_json_bounded(message.payload);
  if (parsed.ok() && parsed.value.is_object() && parsed.value.contains("status")) on_result(parsed.value, now);
}

void DeviceShadow::on_reading(const Json& reading) {
  for (auto it = reading.begin(); it != reading.end(); ++it) {
    const std::string& key = it.key();
    if (key == "ts" || key == kShadowErrorsKey || !config_->reports(key)) continue;
    const bool forced = force_report_.erase(key) > 0;
    auto known = reported_.find(key);
    if (forced || known == reported_.end() || differs(*known, *it, config_->deadband(key))) report(key, *it, forced);
  }
}

void DeviceShadow::report(const std::string& key, const Json& value, bool urgent) {
  auto known = reported_.find(key);
  if (known != reported_.end() && *known == value && !pending_.count(key)) {
    if (urgent) changed_ = true;
    return;  // the cloud has it already
  }
  reported_[key] = value;
  pending_.insert(key);
  if (urgent) urgent_ = true;
  changed_ = true;
}

void DeviceShadow::on_result(const Json& result, Clock::time_point now) {
  (void)now;
  const std::string status = text_field(result, "status");
  const std::string id = result.contains("id") && result["id"].is_string() ? result["id"].get<std::string>() : "";
  auto command = commands_.end();
  if (!id.empty())
    command = std::find_if(commands_.begin(), commands_.end(), [&](const auto& c) { return c.second.id == id; });
  if (command == commands_.end()) {
    // Not ours (a rule's or a local command, or a late answer): an IR code that
    // played still says what state the device is in.
    const std::string code = text_field(result, "code");
    if (status != "ok" || code.empty()) return;
    for (const auto& d : config_->desired)
      for (const auto& c : d.choices)
        if (c.command == code && c.args.is_null()) {
          clear_error(d.key);
          report(d.key, choice_json(c.value), true);
          return;
        }
    return;
  }
  const std::string key = command->first;
  const Command done = command->second;
  commands_.erase(command);
  if (status == "ok") {
    ++counters_.desired_applied;
    clear_error(key);
    Json value = done.value;
    if (!done.choice) {
      auto rb = result.find("read_back");
      if (rb != result.end() && !rb->is_null()) {
        // Keep the desired value's JSON form when the device holds exactly it (22 rather than 22.0).
        const bool same = rb->is_number() && done.value.is_number() && rb->get<double>() == done.value.get<double>();
        value = same ? done.value : *rb;
      } else {
        force_report_.insert(key);  // the next reading says what the device holds
        spdlog::info("Shadow desired value carried out; reporting the next reading. device={} key={} value={}",
                     config_->device, key, echo_json(done.value).dump());
        return;
      }
    }
    spdlog::info("Shadow desired value carried out. device={} key={} value={} reported={}", config_->device, key,
                 echo_json(done.value).dump(), echo_json(value).dump());
    report(key, value, true);
    return;
  }
  ++counters_.desired_refused;
  std::string why = text_field(result, "message");
  if (why.empty()) why = text_field(result, "error");
  if (why.empty()) why = "the device gave no reason";
  if (why.compare(0, status.size(), status) != 0) why = status + ": " + why;  // "failed: Connection timed out"
  set_error(key, why);
  spdlog::warn("Shadow desired value not carried out. device={} key={} value={} status={} reason=\"{}\"",
               config_->device, key, echo_json(done.value).dump(), status, why);
}

// ---- the shadow service ------------------------------------------------------

void DeviceShadow::on_connected(Clock::time_point now) {
  (void)now;
  connected_ = true;
  want_get_ = true;
  inflight_.reset();
  not_before_ = {};
  backoff_ = std::chrono::seconds(0);
}

void DeviceShadow::on_disconnected() {
  connected_ = false;
  inflight_.reset();
}

bool DeviceShadow::ours(const Json& doc, Kind kind) const {
  return inflight_ && inflight_->kind == kind && text_field(doc, "clientToken") == inflight_->token;
}

bool DeviceShadow::on_cloud_message(const Message& message, Clock::time_point now) {
  if (message.topic.size() <= prefix_.size() || message.topic.compare(0, prefix_.size(), prefix_) != 0) return false;
  const std::string rest = message.topic.substr(prefix_.size());
  if (rest != "/get/accepted" && rest != "/get/rejected" && rest != "/update/accepted" && rest != "/update/rejected" &&
      rest != "/update/delta")
    return false;
  BoundedJson parsed = parse_json_bounded(message.payload);
  if (!parsed.ok() || !parsed.value.is_object()) {
    spdlog::warn("Shadow service message is not a JSON object; ignored. device={} topic={} error=\"{}\"",
                 config_->device, echo_text(message.topic), parsed.ok() ? "not an object" : parsed.error);
    return true;
  }
  const Json& doc = parsed.value;
  if (rest == "/get/accepted")
    on_get_accepted(doc, now);
  else if (rest == "/get/rejected")
    on_get_rejected(doc, now);
  else if (rest == "/update/accepted")
    on_update_accepted(doc);
  else if (rest == "/update/rejected")
    on_update_rejected(doc, now);
  else
    on_delta(doc, now);
  return true;
}

void DeviceShadow::on_get_accepted(const Json& doc, Clock::time_point now) {
  const Json& state = object_at(doc, "state");
  if (!ours(doc, Kind::get)) {
    // Another client's /get: the document is still the current one.
    if (int_field(doc, "version") > version_) {
      desired_ = object_at(state, "desired");
      version_ = int_field(doc, "version");
      changed_ = true;
      forget_undesired_errors();
    }
    return;
  }
  inflight_.reset();
  want_get_ = false;
  backoff_ = std::chrono::seconds(0);
  const Json& cloud = object_at(state, "reported");
  desired_ = object_at(state, "desired");
  version_ = int_field(doc, "version");
  forget_undesired_errors();
  // What the cloud lacks or holds differently goes again; what it has, not.
  for (auto it = reported_.begin(); it != reported_.end(); ++it) {
    auto c = cloud.find(it.key());
    if (c == cloud.end() || differs(*c, *it, config_->deadband(it.key())))
      pending_.insert(it.key());
    else
      pending_.erase(it.key());
  }
  const Json& cloud_errors = object_at(cloud, kShadowErrorsKey);
  pending_errors_.clear();
  for (auto it = cloud_errors.begin(); it != cloud_errors.end(); ++it)
    if (!errors_.contains(it.key())) pending_errors_.insert(it.key());  // cleared meanwhile
  for (auto it = errors_.begin(); it != errors_.end(); ++it) {
    auto c = cloud_errors.find(it.key());
    if (c == cloud_errors.end() || *c != *it) pending_errors_.insert(it.key());
  }
  urgent_ = true;  // the first update after a connect goes at once
  changed_ = true;
  spdlog::info("Shadow synchronised. device={} thing={} version={} pending={} delta={}", config_->device,
               config_->thing, version_, keys_text(pending_), dump_json(object_at(state, "delta")).substr(0, 200));
  const Json& delta = object_at(state, "delta");
  if (!delta.empty()) {
    const std::int64_t v = version_;
    if (v < delta_version_) {
      ++counters_.deltas_stale;
      spdlog::info("Shadow delta ignored: older than the last one applied. device={} version={} applied={}",
                   config_->device, v, delta_version_);
    } else {
      apply_delta(delta, object_at(object_at(doc, "metadata"), "desired"), v, now);
    }
  }
}

void DeviceShadow::on_get_rejected(const Json& doc, Clock::time_point now) {
  if (!ours(doc, Kind::get)) return;
  inflight_.reset();
  const std::int64_t code = int_field(doc, "code");
  const std::string message = text_field(doc, "message");
  if (code == 404) {
    // No shadow yet: create it with everything there is to report.
    want_get_ = false;
    for (auto it = reported_.begin(); it != reported_.end(); ++it) pending_.insert(it.key());
    for (auto it = errors_.begin(); it != errors_.end(); ++it) pending_errors_.insert(it.key());
    desired_ = Json::object();
    version_ = 0;
    urgent_ = true;
    changed_ = true;
    spdlog::info("No shadow in the cloud yet; creating it with the reported state. device={} thing={} keys={}",
                 config_->device, config_->thing, reported_.size());
    return;
  }
  spdlog::warn("Shadow get rejected. device={} thing={} code={} message=\"{}\"", config_->device, config_->thing, code,
               echo_text(message));
  if (code == 429 || code >= 500) {
    back_off(now);  // asked again after the back-off
    return;
  }
  want_get_ = false;  // reports still go; a refusal for them is logged in turn
}

void DeviceShadow::on_update_accepted(const Json& doc) {
  const Json& state = object_at(doc, "state");
  const std::int64_t version = int_field(doc, "version");
  if (!ours(doc, Kind::update)) {
    // Someone else's update (an application setting desired values).
    if (state.contains("desired") && state["desired"].is_null()) {
      changed_ = !desired_.empty() || changed_;
      desired_ = Json::object();
    } else if (merge_section(desired_, object_at(state, "desired"))) {
      changed_ = true;
    }
    version_ = std::max(version_, version);
    forget_undesired_errors();
    return;
  }
  ++counters_.updates_accepted;
  for (auto it = inflight_->reported.begin(); it != inflight_->reported.end(); ++it)
    if (reported_.contains(it.key()) && reported_[it.key()] == *it) pending_.erase(it.key());
  for (auto it = inflight_->errors.begin(); it != inflight_->errors.end(); ++it) {
    const Json now = errors_.contains(it.key()) ? errors_[it.key()] : Json();
    if (now == *it) pending_errors_.erase(it.key());
  }
  if (version > 0) version_ = version;
  accepted_ms_ = wall_ms();
  inflight_.reset();
  backoff_ = std::chrono::seconds(0);
  changed_ = true;
}

void DeviceShadow::on_update_rejected(const Json& doc, Clock::time_point now) {
  if (!ours(doc, Kind::update)) return;
  ++counters_.updates_rejected;
  const std::int64_t code = int_field(doc, "code");
  const std::string message = echo_text(text_field(doc, "message"));
  const Inflight sent = *inflight_;
  inflight_.reset();
  if (code == 409) {
    spdlog::warn(
        "Shadow update rejected: version conflict; getting the shadow and sending again. device={} thing={} "
        "code=409 message=\"{}\"",
        config_->device, config_->thing, message);
    want_get_ = true;
    return;
  }
  if (code == 400 || code == 413) {
    // The service will refuse these values every time: drop them.
    std::set<std::string> dropped;
    for (auto it = sent.reported.begin(); it != sent.reported.end(); ++it)
      if (reported_.contains(it.key()) && reported_[it.key()] == *it && pending_.erase(it.key()))
        dropped.insert(it.key());
    for (auto it = sent.errors.begin(); it != sent.errors.end(); ++it) pending_errors_.erase(it.key());
    changed_ = true;
    spdlog::error(
        "Shadow update rejected; its values are not sent again. device={} thing={} code={} message=\"{}\" "
        "keys={}",
        config_->device, config_->thing, code, message, keys_text(dropped));
    return;
  }
  back_off(now);
  urgent_ = true;  // again once the back-off is over, not a report interval later
  spdlog::warn("Shadow update rejected; sending it again later. device={} thing={} code={} message=\"{}\" retry_in={}s",
               config_->device, config_->thing, code, message, backoff_.count());
}

void DeviceShadow::on_delta(const Json& doc, Clock::time_point now) {
  ++counters_.deltas;
  const std::int64_t version = int_field(doc, "version");
  if (version > 0 && version <= delta_version_) {
    ++counters_.deltas_stale;
    spdlog::info("Shadow delta ignored: not newer than the last one applied. device={} thing={} version={} applied={}",
                 config_->device, config_->thing, version, delta_version_);
    return;
  }
  version_ = std::max(version_, version);
  const Json& state = object_at(doc, "state");
  merge_section(desired_, state);
  changed_ = true;
  apply_delta(state, object_at(doc, "metadata"), version, now);
}

void DeviceShadow::apply_delta(const Json& state, const Json& metadata, std::int64_t version, Clock::time_point now) {
  if (version > delta_version_) delta_version_ = version;
  changed_ = true;
  for (auto it = state.begin(); it != state.end(); ++it)
    apply_desired(it.key(), *it, timestamp_of(metadata, it.key()), now);
}

void DeviceShadow::apply_desired(const std::string& key, const Json& value, std::int64_t timestamp,
                                 Clock::time_point now) {
  auto tried = attempted_.find(key);
  if (tried != attempted_.end() && tried->second.value == value && tried->second.timestamp == timestamp) return;
  attempted_[key] = Attempt{value, timestamp};
  const ShadowDesiredKey* binding = config_->find_desired(key);
  if (!binding) {
    std::string accepted;
    for (const auto& d : config_->desired) accepted += (accepted.empty() ? "" : ", ") + d.key;
    ++counters_.desired_refused;
    set_error(key, "not accepted: the shadow of " + config_->device +
                       (accepted.empty() ? std::string(" takes no desired state") : " takes desired " + accepted));
    spdlog::warn("Shadow desired key not accepted. device={} key={} value={}", config_->device, echo_text(key),
                 echo_json(value).dump());
    return;
  }
  auto known = reported_.find(key);
  if (known != reported_.end() && *known == value && !commands_.count(key)) {
    // Already so (e.g. a rule did it while the cloud was away): report it, do nothing.
    clear_error(key);
    pending_.insert(key);
    urgent_ = true;
    changed_ = true;
    return;
  }
  std::string command = binding->command;
  Json args;
  const ShadowChoice* choice = nullptr;
  if (binding->choices.empty()) {
    args = Json{{"value", value}};
  } else {
    const std::string text = as_text(value);
    for (const auto& c : binding->choices)
      if (c.value == text) choice = &c;
    if (!choice) {
      std::string values;
      for (const auto& c : binding->choices) values += (values.empty() ? "" : ", ") + c.value;
      ++counters_.desired_refused;
      set_error(key, "\"" + echo_text(text) + "\" is not one of " + values);
      spdlog::warn("Shadow desired value refused. device={} key={} value={} reason=\"not one of {}\"", config_->device,
                   key, echo_json(value).dump(), values);
      return;
    }
    command = choice->command;
    args = choice->args.is_object() ? choice->args : Json::object();
  }
  const std::string id = next_token();
  args["id"] = id;
  std::string why;
  const Delivery d = invoke_(command, args, why);
  if (d == Delivery::ok) {
    commands_[key] = Command{id, value, choice, now};
    spdlog::info("Shadow desired value handed to the device. device={} key={} value={} command={}", config_->device,
                 key, echo_json(value).dump(), command);
    return;
  }
  ++counters_.desired_refused;
  if (why.empty()) why = std::string("the device did not take it (") + to_string(d) + ")";
  set_error(key, why);
  spdlog::warn("Shadow desired value refused. device={} key={} value={} reason=\"{}\"", config_->device, key,
               echo_json(value).dump(), why);
}

void DeviceShadow::set_error(const std::string& key, const std::string& why) {
  auto it = errors_.find(key);
  if (it != errors_.end() && *it == why) return;
  errors_[key] = why;
  pending_errors_.insert(key);
  urgent_ = true;
  changed_ = true;
}

void DeviceShadow::clear_error(const std::string& key) {
  if (errors_.erase(key) == 0) return;
  pending_errors_.insert(key);
  urgent_ = true;
  changed_ = true;
}

void DeviceShadow::forget_undesired_errors() {
  // An error explains a desired value that was not carried out; once nobody
  // desires that key any more there is nothing left to explain.
  std::vector<std::string> gone;
  for (auto it = errors_.begin(); it != errors_.end(); ++it)
    if (!desired_.contains(it.key()) && !commands_.count(it.key())) gone.push_back(it.key());
  for (const auto& key : gone) {
    clear_error(key);
    attempted_.erase(key);
  }
}

void DeviceShadow::back_off(Clock::time_point now) {
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
  not_before_ = now + backoff_;
}

// ---- requests and time -------------------------------------------------------

std::optional<DeviceShadow::Request> DeviceShadow::next_request(Clock::time_point now) {
  if (!connected_ || inflight_ || now < not_before_) return std::nullopt;
  if (want_get_) {
    Inflight get;
    get.kind = Kind::get;
    get.token = next_token();
    get.sent_at = now;
    inflight_ = get;
    ++counters_.gets_sent;
    return Request{prefix_ + "/get", dump_json(Json{{"clientToken", get.token}})};
  }
  if (pending_.empty() && pending_errors_.empty()) return std::nullopt;
  if (!urgent_ && last_update_at_ && now < *last_update_at_ + config_->report_interval) return std::nullopt;
  Inflight update;
  update.kind = Kind::update;
  update.token = next_token();
  update.sent_at = now;
  Json reported = Json::object();
  for (const auto& k : pending_) reported[k] = reported_[k];
  update.reported = reported;
  if (!pending_errors_.empty()) {
    for (const auto& k : pending_errors_) update.errors[k] = errors_.contains(k) ? errors_[k] : Json();
    reported[kShadowErrorsKey] = update.errors;
  }
  inflight_ = update;
  last_update_at_ = now;
  urgent_ = false;
  ++counters_.updates_sent;
  return Request{prefix_ + "/update",
                 dump_json(Json{{"state", Json{{"reported", reported}}}, {"clientToken", update.token}})};
}

std::optional<DeviceShadow::Clock::time_point> DeviceShadow::next_wake() const {
  std::optional<Clock::time_point> wake;
  auto consider = [&](Clock::time_point t) {
    if (!wake || t < *wake) wake = t;
  };
  if (inflight_) consider(inflight_->sent_at + kAnswerTimeout);
  for (const auto& [key, c] : commands_) consider(c.started + kCommandTimeout);
  if (connected_ && !inflight_) {
    if (not_before_ != Clock::time_point{}) consider(not_before_);
    if ((!pending_.empty() || !pending_errors_.empty()) && !urgent_ && last_update_at_)
      consider(std::max(*last_update_at_ + config_->report_interval, not_before_));
  }
  return wake;
}

void DeviceShadow::tick(Clock::time_point now) {
  if (inflight_ && now >= inflight_->sent_at + kAnswerTimeout) {
    spdlog::warn("Shadow service did not answer; asking again. device={} thing={} request={} waited={}s",
                 config_->device, config_->thing, inflight_->kind == Kind::get ? "get" : "update",
                 kAnswerTimeout.count());
    if (inflight_->kind == Kind::update) urgent_ = true;
    inflight_.reset();
  }
  for (auto it = commands_.begin(); it != commands_.end();) {
    if (now < it->second.started + kCommandTimeout) {
      ++it;
      continue;
    }
    ++counters_.desired_refused;
    set_error(it->first, "no outcome from the device within " + std::to_string(kCommandTimeout.count()) + "s");
    spdlog::warn("Shadow desired value got no outcome from the device. device={} key={}", config_->device, it->first);
    it = commands_.erase(it);
  }
  if (not_before_ != Clock::time_point{} && now >= not_before_) not_before_ = {};
}

}  // namespace edgebridge
