#pragma once
// One MQTT connection, kept up, driven by the event loop (libmosquitto without
// its own thread): connect, subscribe, publish status, and reconnect with
// backoff when it drops. Used for the local broker and for each remote.
//
//  - MQTT 5 when the broker speaks it (protocol: auto tries 5, then 3.1.1 when
//    a version 5 CONNECT is refused, or ends without a CONNACK over a link the
//    TLS probe finds healthy).
//  - A fresh libmosquitto client per connection: the library never resends on
//    its own; unacknowledged publishes are the caller's (the outbox) or, for
//    fire-and-forget publishes, resent here after the reconnect.
//  - The blocking parts of a connect (name lookup, reading the TLS files) run
//    on a short-lived thread; the TCP connect, TLS handshake, CONNACK and all
//    traffic run on the loop. A connect that gets no CONNACK within
//    connect_timeout is abandoned.
//  - Subscriptions with No Local on MQTT 5 (an EchoFilter on 3.1.1), each with
//    a subscription identifier so copies sent for overlapping filters are
//    delivered once; subscribed again after every connect.
//  - Retained `<status_topic>` "online" after connect; a Last Will publishes
//    "offline" if the connection dies; stop() publishes "offline" itself.
//  - A link that stays silent for 1.5 x keepalive (a half-open TCP connection)
//    is closed and connected again.
//  - After a failure that says the broker cannot be reached (no route, refused,
//    timed out, name not found), a cheap TCP reachability check runs every
//    half second between the backed-off MQTT attempts, so the first CONNECT goes
//    out within about a second of the broker accepting connections again; a broker
//    that is up but refusing us only sees the backed-off attempts. Never more
//    than one CONNECT per second per client id.
//
// Everything is called on the loop thread, except status(), which any thread
// may call.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/event_loop.hpp"
#include "core/link_status.hpp"
#include "core/message.hpp"
#include "core/publisher.hpp"
#include "core/subscription.hpp"

namespace edgebridge {

struct ClientOptions {
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
  Duration session_expiry{0};       // MQTT 5 session expiry when persistent
  int receive_maximum = 0;          // what we tell the broker we take unacknowledged (0: the library's 20)
  ReconnectPolicy reconnect;
  std::string status_topic;  // empty: no status/will
  std::size_t max_buffered = 0;  // publish() while disconnected is kept, up to this many
  // The local broker: packets are written only when the write gate allows
  // (see set_write_gate), so PUBACKs can wait for the outbox.
  bool gated_writes = false;
};

class MqttClient final : public Publisher {
 public:
  using MessageHandler = std::function<void(Message)>;
  // Returns empty when connecting is allowed now, else the reason to wait
  // (asked before every attempt; e.g. the clock is not plausible yet).
  using ConnectGate = std::function<std::string()>;

  MqttClient(EventLoop& loop, ClientOptions options, MessageHandler on_message);
  ~MqttClient() override;
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void set_publish_listener(PublishListener* listener);
  void set_connect_gate(ConnectGate gate);
  // Called after the connection came up or went down.
  void on_connection_change(std::function<void()> handler);
  void set_subscriptions(std::vector<Subscription> subscriptions);
  // Calls `done(true)` once the broker has answered every SUBSCRIBE and
  // UNSUBSCRIBE sent so far on this connection (at once when none waits) and
  // took all since the last set_subscriptions; `done(false)` when one of those
  // was refused or could not be sent, when the client is not connected, or
  // when the connection ends first (the next connection subscribes to the
  // whole list again). `done` may run inside a libmosquitto callback: it must
  // not call this client.
  void when_subscribed(std::function<void(bool confirmed)> done);
  void start();
  // Publishes "offline" (when connected), disconnects, and calls `done` once
  // that is on the wire or `timeout` passed. Nothing is attempted afterwards.
  void stop(std::chrono::milliseconds timeout, std::function<void()> done);
  // Drops the connection and connects again at once (new TLS files, when given).
  void reconnect_now(std::optional<TlsConfig> new_tls = std::nullopt);

  // With ClientOptions::gated_writes: packets (PUBACKs among them) wait until
  // `may_write` returns true; call flush() when it may have become true.
  void set_write_gate(std::function<bool()> may_write);
  void flush();
  // Stops (or resumes) reading from the socket: the broker keeps what it has.
  void pause_reading(bool paused);

  // Publisher
  std::uint64_t connection_id() const override;
  int send_window() const override;
  std::size_t max_packet_size() const override;
  bool publish(std::uint64_t connection_id, const Message& message, std::uint64_t token,
               PublishOutcome& outcome) override;
  // Fire and forget (to the local broker): kept while disconnected, up to
  // max_buffered, and a QoS 1 publish not acknowledged when the connection
  // dropped is sent again after the reconnect. False when it was not taken.
  bool publish(const Message& message);

  bool connected() const;
  LinkStatus status() const;  // any thread

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace edgebridge
