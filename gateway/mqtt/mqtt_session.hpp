#pragma once
// One MQTT connection, kept up: connect, subscribe, publish status, and
// reconnect with backoff when it drops. Used for the local broker and for each
// remote. Paho's own automatic reconnect is off; this class owns the policy.
//
//  - MQTT v5 when the broker speaks it (protocol: auto tries 5, then 3.1.1).
//  - Subscriptions are made with No Local on v5; on 3.1.1 an EchoFilter drops
//    our own publishes coming back.
//  - Subscribes after every connect (the configuration may have changed while
//    the broker kept our session); on v5 every subscription carries an
//    identifier so that the copies a broker sends for overlapping filters are
//    delivered once.
//  - Retained `<status_topic>` = "online" after connect; a Last Will publishes
//    "offline" if the connection dies; stop() publishes "offline" itself.
//  - One log line per state change: connected, lost (with reason), next retry.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/message.hpp"
#include "routing/router.hpp"

namespace edgebridge {

struct SessionOptions {
  std::string label;  // for logs: "local" or "remote=ops"
  Url url;
  std::string client_id;
  std::optional<TlsConfig> tls;
  std::optional<std::string> username;
  std::optional<std::string> password;
  Duration keepalive{30'000};
  Duration connect_timeout{10'000};
  MqttProtocol protocol = MqttProtocol::automatic;
  bool persistent_session = false;  // keep the broker-side session (and its queue) across reconnects
  Duration session_expiry{0};       // v5 session expiry when persistent
  ReconnectPolicy reconnect;
  std::string status_topic;         // empty: no status/will
  int max_buffered = 0;             // >0: publish() while disconnected is buffered (up to this many)
};

enum class LinkState { stopped, waiting_clock, connecting, connected, backoff };
const char* to_string(LinkState s);

struct LinkStatus {
  LinkState state = LinkState::stopped;
  std::string last_error;
  std::chrono::system_clock::time_point since{};
  std::uint64_t connects = 0;
  int mqtt_version = 0;  // of the current connection
};

class MqttSession {
 public:
  using MessageHandler = std::function<void(Message)>;
  using ChangeHandler = std::function<void()>;
  // Returns empty when connecting is allowed now, else the reason to wait
  // (checked before every attempt; e.g. the clock is not plausible yet).
  using ConnectGate = std::function<std::string()>;

  MqttSession(SessionOptions options, MessageHandler on_message);
  ~MqttSession();
  MqttSession(const MqttSession&) = delete;
  MqttSession& operator=(const MqttSession&) = delete;

  void set_subscriptions(std::vector<Subscription> subscriptions);
  void on_connection_change(ChangeHandler handler);
  void set_connect_gate(ConnectGate gate);
  void start();
  // Publishes "offline" (if connected), disconnects, joins the thread.
  void stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  // Drops the connection and connects again at once (e.g. new TLS files).
  void reconnect_now(std::optional<TlsConfig> new_tls = std::nullopt);

  // Non-zero while connected; new value per connection.
  std::uint64_t connection_id() const { return connection_id_.load(); }
  int receive_maximum() const { return receive_maximum_.load(); }
  LinkStatus status() const;

  // Publish on connection `connection_id`; `done(ok)` on PUBACK (QoS 1) or once
  // written (QoS 0). False if that connection is gone.
  bool publish_tracked(std::uint64_t connection_id, const Message& message, std::function<void(bool)> done);
  // Fire and forget; buffered while disconnected when max_buffered > 0.
  bool publish(const Message& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::uint64_t> connection_id_{0};
  std::atomic<int> receive_maximum_{65535};
};

}  // namespace edgebridge
