#pragma once
// One device's cloud shadow, kept by the gateway for a device that cannot
// speak to the shadow service itself (docs/shadows.md). No I/O of its own:
// the ShadowManager feeds it the device's messages, the shadow service's
// answers and the link's ups and downs, publishes what next_request() returns
// and calls tick() when next_wake() is due. Loop thread only.
//
// Reported: each reading's keys are compared with what was last reported
// (numbers beyond their deadband); changed keys wait in `pending`, which keeps
// only the latest value of each key, so an outage of any length ends in one
// update. Updates go at most every report_interval (the answer to a desired
// value goes at once), each with a clientToken; a key leaves `pending` once
// the service accepted that very value.
//
// Desired: a delta (or the delta in a /get answer) is carried out key by key
// through the device's own command checks (DeviceEndpoint::invoke), with an id
// the device echoes in its result. A result "ok" is reported (a Modbus write:
// the value read back; a choice such as an IR code: the desired value), so the
// delta clears; a refusal or failure is reported under "errors": {key: why}
// and logged. A delta no newer than the last one applied is ignored, and the
// same desired value (same value and metadata timestamp) is not carried out
// twice.
//
// Connect: /get first; its answer says what the cloud holds (what differs is
// reported again) and carries desired changes made meanwhile; 404 (no shadow)
// creates it with the whole reported state. update/rejected 409 leads to a
// /get and the update again; 400 and 413 drop what was refused (logged with
// the code); 429 and 5xx wait and retry.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/delivery.hpp"
#include "core/message.hpp"
#include "shadow/shadow_config.hpp"
#include "shadow/shadow_record.hpp"

namespace edgebridge {

struct ShadowCounters {
  std::uint64_t updates_sent = 0;
  std::uint64_t updates_accepted = 0;
  std::uint64_t updates_rejected = 0;
  std::uint64_t gets_sent = 0;
  std::uint64_t deltas = 0;
  std::uint64_t deltas_stale = 0;
  std::uint64_t desired_applied = 0;  // carried out by the device ("ok")
  std::uint64_t desired_refused = 0;  // refused by the checks or failed at the device
};

class DeviceShadow {
 public:
  using Clock = std::chrono::steady_clock;
  using Invoke = std::function<Delivery(const std::string& command, const nlohmann::json& args, std::string& why)>;

  struct Request {
    std::string topic;
    std::string payload;
  };

  // `ids` starts the clientTokens and command ids of this shadow (unique per run).
  DeviceShadow(std::shared_ptr<const ShadowConfig> config, Invoke invoke, std::string ids);

  const ShadowConfig& config() const { return *config_; }
  // The five topics it listens to on its remote.
  std::vector<std::string> subscriptions() const;

  // What was saved before a restart (ignored when it is another shadow's).
  void restore(const ShadowRecord& saved);
  ShadowRecord record() const;

  // A message from the device (readings, command results); `wall_ms` is now.
  void on_device_message(const Message& message, Clock::time_point now);
  void on_connected(Clock::time_point now);
  void on_disconnected();
  // A message on one of subscriptions(); false when it is not one of them.
  bool on_cloud_message(const Message& message, Clock::time_point now);

  // The request to publish now, if one is due (one at a time per shadow).
  std::optional<Request> next_request(Clock::time_point now);
  bool waiting_for_answer() const { return inflight_.has_value(); }
  // When tick() has something to do, or next_request() may have something
  // without an event (the report interval, a back-off): nullopt when nothing.
  std::optional<Clock::time_point> next_wake() const;
  // Timeouts: unanswered requests, device commands without an outcome.
  void tick(Clock::time_point now);

  // The local view (retained on the local broker, docs/shadows.md).
  nlohmann::json reported_view() const;
  const nlohmann::json& desired_view() const { return desired_; }
  nlohmann::json delta_view() const { return shadow_delta(desired_, reported_); }

  // True once after each change worth saving (and showing locally).
  bool take_changed();
  const ShadowCounters& counters() const { return counters_; }

  static constexpr std::chrono::seconds kAnswerTimeout{5};
  static constexpr std::chrono::seconds kCommandTimeout{120};

 private:
  enum class Kind { get, update };
  struct Inflight {
    Kind kind = Kind::get;
    std::string token;
    Clock::time_point sent_at{};
    nlohmann::json reported = nlohmann::json::object();  // the values sent
    nlohmann::json errors = nlohmann::json::object();    // the errors sent (null: cleared)
  };
  // A desired value handed to the device, waiting for its result.
  struct Command {
    std::string id;
    nlohmann::json value;
    const ShadowChoice* choice = nullptr;
    Clock::time_point started{};
  };
  struct Attempt {
    nlohmann::json value;
    std::int64_t timestamp = 0;
  };

  void on_reading(const nlohmann::json& reading);
  void on_result(const nlohmann::json& result, Clock::time_point now);
  void on_get_accepted(const nlohmann::json& doc, Clock::time_point now);
  void on_get_rejected(const nlohmann::json& doc, Clock::time_point now);
  void on_update_accepted(const nlohmann::json& doc);
  void on_update_rejected(const nlohmann::json& doc, Clock::time_point now);
  void on_delta(const nlohmann::json& doc, Clock::time_point now);
  void apply_delta(const nlohmann::json& state, const nlohmann::json& metadata, std::int64_t version,
                   Clock::time_point now);
  void apply_desired(const std::string& key, const nlohmann::json& value, std::int64_t timestamp,
                     Clock::time_point now);
  void report(const std::string& key, const nlohmann::json& value, bool urgent);
  void set_error(const std::string& key, const std::string& why);
  void clear_error(const std::string& key);
  // Clears the errors of keys no longer in the desired state.
  void forget_undesired_errors();
  void back_off(Clock::time_point now);
  std::string next_token();
  bool ours(const nlohmann::json& doc, Kind kind) const;

  std::shared_ptr<const ShadowConfig> config_;
  Invoke invoke_;
  const std::string ids_;
  std::uint64_t sequence_ = 0;
  std::string prefix_;  // $aws/things/<thing>/shadow[/name/<name>]

  // Reported state.
  nlohmann::json reported_ = nlohmann::json::object();
  std::set<std::string> pending_;
  nlohmann::json errors_ = nlohmann::json::object();
  std::set<std::string> pending_errors_;
  std::set<std::string> force_report_;  // report the next reading of these keys whatever its deadband
  bool urgent_ = false;                 // send without waiting for the report interval

  // What the cloud said last.
  nlohmann::json desired_ = nlohmann::json::object();
  std::int64_t version_ = 0;
  std::int64_t delta_version_ = 0;
  std::int64_t accepted_ms_ = 0;

  // The conversation with the shadow service.
  bool connected_ = false;
  bool want_get_ = false;
  std::optional<Inflight> inflight_;
  std::optional<Clock::time_point> last_update_at_;
  Clock::time_point not_before_{};
  std::chrono::seconds backoff_{0};

  std::map<std::string, Command> commands_;   // by desired key
  std::map<std::string, Attempt> attempted_;  // by desired key: the last desired value carried out or tried

  bool changed_ = true;
  ShadowCounters counters_;
};

}  // namespace edgebridge
