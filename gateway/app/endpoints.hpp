#pragma once
// The connections the gateway delivers to and hears from, behind interfaces so
// that the gateway can be built with fakes in tests (EndpointFactory). All of
// them live on the event loop: every method is for the loop thread, except
// status() and counters(), which any thread may call.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/device_kind.hpp"
#include "core/delivery.hpp"
#include "core/event_loop.hpp"
#include "core/link_status.hpp"
#include "core/message.hpp"
#include "core/subscription.hpp"
#include "outbox/forwarder.hpp"
#include "outbox/outbox.hpp"

namespace edgebridge {

using StopDone = std::function<void()>;

// How long the local broker's PUBACKs may be held back (local_link.hpp).
struct LocalHoldTiming {
  std::chrono::milliseconds hold{10};  // then stop reading: the remotes acknowledge what is held
  // Then commit what they did not acknowledge, when they acknowledged nothing
  // for this long (a slow or absent remote)...
  std::chrono::milliseconds stall{20};
  // ...or when reading has been paused this long (a busy remote: the PUBACKs
  // and whatever else the local connection has to send wait no longer),
  // or once no more than this many are held: the last ones in flight are
  // committed rather than waited for, so the link never runs dry.
  std::chrono::milliseconds max_pause{250};
  std::size_t commit_below = 64;
};

// The local broker. Its QoS 1 messages come to the handler with a receipt
// (0 for QoS 0): hand it with every outbox copy; the broker's PUBACK waits
// until all are released.
class LocalEndpoint {
 public:
  using Handler = std::function<void(Message, std::uint64_t receipt)>;
  virtual ~LocalEndpoint() = default;
  virtual void start() = 0;
  // Writes the held PUBACKs once the outbox released them (at most `timeout`),
  // publishes "offline", disconnects; then `done`.
  virtual void stop(std::chrono::milliseconds timeout, StopDone done) = 0;
  virtual void set_subscriptions(std::vector<Subscription> subscriptions) = 0;
  // `done(true)` once the broker has taken every SUBSCRIBE and UNSUBSCRIBE
  // sent so far; `done(false)` when one was refused or not sent, when not
  // connected, or when the connection ends first (MqttClient::when_subscribed).
  virtual void when_subscribed(std::function<void(bool confirmed)> done) = 0;
  // Fire and forget; kept while the broker is away (max_buffered).
  virtual bool publish(const Message& message) = 0;
  // Where outbox copies release their receipts.
  virtual ReleaseSink& releases() = 0;
  // Stops (or resumes) reading: the outbox cannot keep up (back-pressure).
  virtual void pause_reading(bool paused) = 0;
  virtual LinkStatus status() const = 0;
};

// A cloud remote: its connection, its outbox queue and the forwarder between.
class RemoteEndpoint {
 public:
  virtual ~RemoteEndpoint() = default;
  virtual const std::string& name() const = 0;
  virtual void start() = 0;
  virtual void stop(std::chrono::milliseconds timeout, StopDone done) = 0;
  virtual void set_subscriptions(std::vector<Subscription> subscriptions) = 0;
  // As LocalEndpoint::when_subscribed, for this remote's connection.
  virtual void when_subscribed(std::function<void(bool confirmed)> done) = 0;
  // A message routed to this remote; `receipt` (0: none) is released when the
  // outbox no longer needs its source to keep it.
  virtual Delivery enqueue(Message message, std::uint64_t receipt) = 0;
  // New TLS files on disk (certificate rotation): reconnect with them.
  virtual void reload_tls(const TlsConfig& tls) = 0;
  // Topics the gateway itself listens to on this remote (device shadows,
  // exact names): their messages go to RemoteHooks::on_service_message, not to
  // the router. Replaces the previous list; applied on the live connection.
  virtual void set_service_subscriptions(std::vector<std::string> topics) { (void)topics; }
  // Publishes on the connection now, outside the outbox (a shadow request,
  // QoS 0); false when the remote is not connected.
  virtual bool publish_now(const Message& message) {
    (void)message;
    return false;
  }
  virtual LinkStatus status() const = 0;
  virtual OutboxCounters counters() const = 0;
};

// What a remote's messages and dead letters are handed to.
struct RemoteHooks {
  std::function<void(const std::string& remote, Message message)> on_message;
  DeadLetterHook on_dead_letter;
  ReleaseSink* releases = nullptr;
  std::function<std::string()> connect_gate;  // empty: connect now; else why to wait
  // Messages on the service subscriptions (set_service_subscriptions).
  std::function<void(const std::string& remote, Message message)> on_service_message;
  // The connection came up (true) or went down (false).
  std::function<void(const std::string& remote, bool connected)> on_link_change;
};

class EndpointFactory {
 public:
  virtual ~EndpointFactory() = default;
  virtual std::unique_ptr<LocalEndpoint> local(EventLoop& loop, const Config& config, OutboxStore& store,
                                               LocalEndpoint::Handler handler) = 0;
  virtual std::unique_ptr<RemoteEndpoint> remote(EventLoop& loop, const RemoteConfig& remote,
                                                 const GatewaySettings& gateway, OutboxQueue& queue,
                                                 RemoteHooks hooks) = 0;
  // Null for a type no device kind handles.
  virtual std::unique_ptr<DeviceEndpoint> device(const DeviceConfig& device) = 0;
};

}  // namespace edgebridge
