#include "mqtt/mqtt_session.hpp"

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>

#include "config/units.hpp"
#include "mqtt/backoff.hpp"
#include "mqtt/echo_filter.hpp"
#include "mqtt/tls_options.hpp"
#include "mqtt/tls_probe.hpp"
#include "routing/topic_trie.hpp"

namespace edgebridge {

const char* to_string(LinkState s) {
  switch (s) {
    case LinkState::stopped: return "stopped";
    case LinkState::waiting_clock: return "waiting";
    case LinkState::connecting: return "connecting";
    case LinkState::connected: return "connected";
    case LinkState::backoff: return "backoff";
  }
  return "?";
}

namespace {

constexpr int kV5 = MQTTVERSION_5;
constexpr int kV311 = MQTTVERSION_3_1_1;
// How long the probe that explains a failed TLS connect may take.
constexpr Duration kTlsProbeTimeout{2000};

std::string version_name(int v) { return v == kV5 ? "5" : "3.1.1"; }

// A connect failure in words a user can act on.
std::string describe(const mqtt::exception& e) {
  std::string text;
  const int rc = e.get_return_code();
  const int reason = e.get_reason_code();
  if (rc == MQTTASYNC_FAILURE || rc == -1) {
    text = "TCP/TLS connect failure";
  } else if (rc > 0 && rc <= 5) {  // MQTT 3.1.1 CONNACK return codes
    static const char* codes[] = {"", "unacceptable protocol version", "client id rejected", "server unavailable",
                                  "bad user name or password", "not authorized"};
    text = std::string("broker refused the connection: ") + codes[rc];
  } else {
    text = e.get_error_str();
    if (text.empty()) text = e.what();
  }
  if (reason != 0 && reason != rc && reason > 5) {
    const char* r = MQTTReasonCode_toString(static_cast<MQTTReasonCodes>(reason));
    if (r) text += std::string(" (") + r + ")";
  }
  return text;
}

bool looks_like_version_refusal(const mqtt::exception& e) {
  const int rc = e.get_return_code();
  const int reason = e.get_reason_code();
  return rc == 1 || reason == 1 || reason == 0x84 /* unsupported protocol version */ ||
         rc == MQTTASYNC_WRONG_MQTT_VERSION || rc == MQTTASYNC_BAD_PROTOCOL;
}

}  // namespace

struct MqttSession::Impl final : mqtt::iaction_listener {
  struct Pending {
    std::uint64_t connection_id;
    std::function<void(bool)> done;
  };

  Impl(MqttSession& o, SessionOptions opt, MessageHandler handler)
      : owner(o), opts(std::move(opt)), on_message(std::move(handler)) {}

  MqttSession& owner;
  SessionOptions opts;
  MessageHandler on_message;
  ChangeHandler on_change;
  ConnectGate gate;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool stop_requested = false;
  bool lost = false;
  bool reconnect_requested = false;
  // New TLS files from reconnect_now(); the run thread takes them before the
  // next CONNECT and starts with a fresh client (no TLS session carried over).
  std::optional<TlsConfig> pending_tls;
  bool fresh_client = false;  // run thread only
  std::string lost_reason;
  std::vector<Subscription> subscriptions;
  LinkStatus link;
  std::thread thread;

  // Replaced only when the protocol version changes; other threads take a copy.
  mutable std::mutex client_mu;
  std::shared_ptr<mqtt::async_client> client;
  int client_version = 0;

  std::shared_ptr<mqtt::async_client> current() const {
    std::lock_guard<std::mutex> lock(client_mu);
    return client;
  }
  bool fallback_to_311 = false;
  std::atomic<bool> echo_active{false};
  EchoFilter echo;
  // MQTT 5 brokers may send one copy of a message per matching subscription.
  // Each SUBSCRIBE carries an identifier (its position + 1); a copy is kept
  // only if it carries the lowest identifier among our filters that match.
  std::atomic<bool> sub_ids_active{false};
  bool sub_ids_available = false;  // this connection's broker accepts them
  std::shared_ptr<const TopicTrie<std::uint32_t>> sub_id_trie;
  std::map<std::string, std::uint32_t> sub_ids;
  std::uint32_t next_sub_id = 1;
  std::mutex sub_id_mu;
  // Orders set_subscriptions() with the SUBSCRIBEs of a connect: a change made
  // before them is in them, one made after is applied to the live connection.
  std::mutex subscribe_mu;
  bool subscribed = false;  // the current connection has made its SUBSCRIBEs

  std::mutex pending_mu;
  std::unordered_map<std::uint64_t, Pending> pending;
  std::uint64_t next_seq = 0;
  std::uint64_t connection_counter = 0;

  void set_state(LinkState s, std::string error = {}) {
    std::lock_guard<std::mutex> lock(mu);
    link.state = s;
    link.since = std::chrono::system_clock::now();
    if (!error.empty()) link.last_error = std::move(error);
  }

  void notify_change() {
    ChangeHandler handler;
    {
      std::lock_guard<std::mutex> lock(mu);
      handler = on_change;
    }
    if (handler) handler();
  }

  int pick_version() const {
    if (opts.protocol == MqttProtocol::v5) return kV5;
    if (opts.protocol == MqttProtocol::v311) return kV311;
    return fallback_to_311 ? kV311 : kV5;
  }

  void ensure_client(int version) {
    if (client && client_version == version && !fresh_client) return;
    fresh_client = false;
    if (client) {
      client->set_message_callback(nullptr);
      client->set_connection_lost_handler(nullptr);
      client->set_disconnected_handler(nullptr);
    }
    mqtt::create_options create(version);
    if (opts.max_buffered > 0) {
      create.set_send_while_disconnected(true, true);
      create.set_max_buffered_messages(opts.max_buffered);
      create.set_delete_oldest_messages(false);
    }
    auto fresh = std::make_shared<mqtt::async_client>(opts.url.paho_uri(), opts.client_id, create, nullptr);
    fresh->set_message_callback([this](const mqtt::const_message_ptr& m) { handle_message(m); });
    fresh->set_connection_lost_handler([this](const std::string& cause) {
      std::lock_guard<std::mutex> lock(mu);
      lost = true;
      lost_reason = cause.empty() ? "connection closed" : cause;
      cv.notify_all();
    });
    fresh->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode reason) {
      std::lock_guard<std::mutex> lock(mu);
      lost = true;
      const char* text = MQTTReasonCode_toString(static_cast<MQTTReasonCodes>(reason));
      lost_reason = std::string("server sent DISCONNECT: ") + (text ? text : std::to_string(int(reason)));
      cv.notify_all();
    });
    std::lock_guard<std::mutex> lock(client_mu);
    client = std::move(fresh);
    client_version = version;
  }

  void handle_message(const mqtt::const_message_ptr& m) {
    if (!m) return;
    Message msg;
    msg.topic = m->get_topic();
    msg.payload = m->to_string();
    msg.qos = m->get_qos();
    msg.retain = m->is_retained();
    msg.received_at = std::chrono::system_clock::now();
    if (echo_active.load() && echo.is_echo(msg.topic, msg.payload)) return;
    if (sub_ids_active.load() && is_extra_copy(*m)) return;
    if (on_message) on_message(std::move(msg));
  }

  bool is_extra_copy(const mqtt::message& m) {
    const auto& props = m.get_properties();
    const std::size_t n = props.count(mqtt::property::SUBSCRIPTION_IDENTIFIER);
    if (n == 0) return false;
    std::shared_ptr<const TopicTrie<std::uint32_t>> trie;
    {
      std::lock_guard<std::mutex> lock(sub_id_mu);
      trie = sub_id_trie;
    }
    if (!trie) return false;
    std::uint32_t primary = 0;
    trie->match(m.get_topic(), [&primary](std::uint32_t id) {
      if (primary == 0 || id < primary) primary = id;
    });
    if (primary == 0) return false;
    for (std::size_t i = 0; i < n; ++i)
      if (mqtt::get<uint32_t>(props, mqtt::property::SUBSCRIPTION_IDENTIFIER, i) == primary) return false;
    return true;
  }

  mqtt::connect_options build_connect_options(int version) {
    mqtt::connect_options co;
    if (version == kV5) {
      co.set_mqtt_version(kV5);
      co.set_clean_start(!opts.persistent_session);
      if (opts.persistent_session) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(opts.session_expiry).count();
        co.set_properties(mqtt::properties{
            {mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int>(std::min<long long>(seconds, 0x7fffffff))}});
      }
    } else {
      co.set_mqtt_version(kV311);
      co.set_clean_session(!opts.persistent_session);
    }
    co.set_keep_alive_interval(std::chrono::duration_cast<std::chrono::seconds>(opts.keepalive));
    co.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(opts.connect_timeout));
    co.set_automatic_reconnect(false);
    if (opts.username) co.set_user_name(*opts.username);
    if (opts.password) co.set_password(*opts.password);
    if (!opts.status_topic.empty()) {
      mqtt::will_options will(opts.status_topic, std::string("offline"), 1, true);
      co.set_will(std::move(will));
    }
    if (opts.url.tls() && opts.tls) {
      // No Paho SSL error callback: Paho C++ 1.2 copies ssl_options with the
      // callback's context still pointing at the first (temporary) object. The
      // reason for a failed handshake comes from diagnose_tls() instead.
      co.set_ssl(make_ssl_options(*opts.tls));
    }
    return co;
  }

  bool stopping() {
    std::lock_guard<std::mutex> lock(mu);
    return stop_requested;
  }

  // Waits for `token` up to `timeout`, but gives up as soon as stop() is called:
  // a remote stuck in a TLS handshake must not hold a SIGTERM for seconds.
  // True when the token completed (get_*() then rethrows its failure).
  bool wait_unless_stopping(mqtt::token& token, Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!token.wait_for(std::chrono::milliseconds(100))) {
      if (stopping() || std::chrono::steady_clock::now() >= deadline) return false;
    }
    return true;
  }

  // One CONNECT. On success the session is subscribed and "online" published.
  bool connect_once(std::string& error) {
    {
      std::lock_guard<std::mutex> lock(subscribe_mu);
      subscribed = false;
    }
    const int version = pick_version();
    ensure_client(version);
    bool session_present = false;
    // Every path that reads it sets it from the CONNACK; the initial value keeps compilers from warning.
    int actual_version = version;  // NOLINT(clang-analyzer-deadcode.DeadStores)
    int receive_max = 65535;
    try {
      auto token = client->connect(build_connect_options(version));
      if (!wait_unless_stopping(*token, opts.connect_timeout + std::chrono::seconds(5))) {
        error = stopping() ? "stopped while connecting" : "timed out after " + format_duration(opts.connect_timeout);
        try {
          client->disconnect(0)->wait_for(std::chrono::seconds(1));
        } catch (const mqtt::exception&) {
        }
        return false;
      }
      const auto response = token->get_connect_response();
      session_present = response.is_session_present();
      actual_version = response.get_mqtt_version() > 0 ? response.get_mqtt_version() : version;
      sub_ids_available = false;
      if (actual_version == kV5) {
        const auto& props = response.get_properties();
        if (props.contains(mqtt::property::RECEIVE_MAXIMUM))
          receive_max = mqtt::get<uint16_t>(props, mqtt::property::RECEIVE_MAXIMUM);
        sub_ids_available = !props.contains(mqtt::property::SUBSCRIPTION_IDENTIFIERS_AVAILABLE) ||
                            mqtt::get<uint8_t>(props, mqtt::property::SUBSCRIPTION_IDENTIFIERS_AVAILABLE) != 0;
      }
    } catch (const mqtt::exception& e) {
      error = describe(e);
      if ((e.get_return_code() == MQTTASYNC_FAILURE) && opts.url.tls() && opts.tls && !stopping()) {
        // Paho says only "TCP/TLS connect failure": find out which, in words.
        // The probe is short so that a SIGTERM meanwhile is not kept waiting.
        const Duration probe_timeout = std::min(opts.connect_timeout, kTlsProbeTimeout);
        if (auto why = diagnose_tls(opts.url, *opts.tls, probe_timeout); !why.empty()) error = why;
      }
      if (opts.protocol == MqttProtocol::automatic && version == kV5 && looks_like_version_refusal(e)) {
        fallback_to_311 = true;
        error += "; will try MQTT 3.1.1";
      }
      return false;
    }

    echo_active = actual_version != kV5;
    owner.receive_maximum_ = receive_max;
    {
      std::lock_guard<std::mutex> lock(mu);
      lost = false;
      link.mqtt_version = actual_version;
      ++link.connects;
    }
    // Subscribe on every connect, even when the broker kept our session: the
    // configuration may have changed since, and a repeated SUBSCRIBE is harmless
    // (retained messages are sent only for subscriptions that are new).
    {
      std::lock_guard<std::mutex> lock(subscribe_mu);
      subscribe_all();
      subscribed = true;
    }
    if (!opts.status_topic.empty()) {
      try {
        client->publish(opts.status_topic, "online", 6, 1, true);
      } catch (const mqtt::exception& e) {
        spdlog::warn("Status publish failed. {} error=\"{}\"", opts.label, e.what());
      }
    }
    {
      std::lock_guard<std::mutex> lock(pending_mu);
      pending.clear();  // publishes of an earlier connection will never complete
    }
    owner.connection_id_ = ++connection_counter;
    spdlog::info("Connected. {} url={} client_id={} mqtt={} session_present={}{}", opts.label, opts.url.text(),
                 opts.client_id, version_name(actual_version), session_present,
                 receive_max < 65535 ? " receive_maximum=" + std::to_string(receive_max) : std::string());
    return true;
  }

  // One SUBSCRIBE per filter: Paho C++ 1.2 drops the v5 options (No Local) of
  // multi-filter subscribes (eclipse-paho/paho.mqtt.cpp#524).
  void subscribe_filters(const std::vector<Subscription>& subs) {
    auto cli = current();
    if (subs.empty() || !cli) return;
    std::vector<std::pair<const Subscription*, mqtt::token_ptr>> tokens;
    for (const auto& s : subs) {
      try {
        if (client_version != kV5) {
          tokens.emplace_back(&s, cli->subscribe(s.filter, s.qos));
          continue;
        }
        mqtt::properties props;
        if (sub_ids_available) props.add({mqtt::property::SUBSCRIPTION_IDENTIFIER, static_cast<int>(sub_id_of(s.filter))});
        tokens.emplace_back(&s, cli->subscribe(s.filter, s.qos,
                                               mqtt::subscribe_options(true /* no local */, true /* retain as published */,
                                                                       mqtt::subscribe_options::SEND_RETAINED_ON_NEW),
                                               props));
      } catch (const mqtt::exception& e) {
        spdlog::warn("Subscribe failed. {} filter=\"{}\" error=\"{}\"", opts.label, s.filter, e.what());
      }
    }
    for (auto& [sub, token] : tokens) {
      try {
        token->wait_for(std::chrono::seconds(10));
        const int code = token->get_reason_code();
        if (code >= 0x80)
          spdlog::warn("Subscription refused by the broker. {} filter=\"{}\" reason={}", opts.label, sub->filter, code);
      } catch (const mqtt::exception& e) {
        spdlog::warn("Subscribe failed. {} filter=\"{}\" error=\"{}\"", opts.label, sub->filter, e.what());
      }
    }
    spdlog::debug("Subscribed. {} filters={}", opts.label, tokens.size());
  }

  // Each filter keeps its identifier for the life of the process (new filters
  // get new ones on reload), so copies already on their way stay recognisable.
  std::uint32_t sub_id_of(const std::string& filter) {
    std::lock_guard<std::mutex> lock(sub_id_mu);
    auto [it, added] = sub_ids.emplace(filter, next_sub_id);
    if (added) ++next_sub_id;
    return it->second;
  }

  void rebuild_sub_ids() {
    std::vector<Subscription> subs;
    {
      std::lock_guard<std::mutex> lock(mu);
      subs = subscriptions;
    }
    auto trie = std::make_shared<TopicTrie<std::uint32_t>>();
    for (const auto& sub : subs) trie->insert(sub.filter, sub_id_of(sub.filter));
    std::lock_guard<std::mutex> lock(sub_id_mu);
    sub_id_trie = std::move(trie);
  }

  void subscribe_all() {
    std::vector<Subscription> subs;
    {
      std::lock_guard<std::mutex> lock(mu);
      subs = subscriptions;
    }
    rebuild_sub_ids();
    sub_ids_active = client_version == kV5 && sub_ids_available;
    subscribe_filters(subs);
  }

  // Waits for `d` or until stop/reconnect is requested. True if asked to stop.
  bool sleep_for(Duration d) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, d, [this] { return stop_requested || reconnect_requested; });
    return stop_requested;
  }

  void run() {
    Backoff backoff(opts.reconnect);
    std::string waiting_reason;
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stop_requested) break;
        reconnect_requested = false;
        if (pending_tls) {
          opts.tls = std::move(pending_tls);
          pending_tls.reset();
          fresh_client = true;
        }
      }
      if (gate) {
        std::string why = gate();
        if (!why.empty()) {
          if (why != waiting_reason)
            spdlog::warn("Not connecting yet. {} reason=\"{}\"", opts.label, why);
          waiting_reason = why;
          set_state(LinkState::waiting_clock, why);
          if (sleep_for(Duration(1000))) break;
          continue;
        }
        if (!waiting_reason.empty()) spdlog::info("Ready to connect. {}", opts.label);
        waiting_reason.clear();
      }
      set_state(LinkState::connecting);
      const auto attempt_start = std::chrono::steady_clock::now();
      std::string error;
      if (connect_once(error)) {
        set_state(LinkState::connected);
        notify_change();
        const auto connected_at = std::chrono::steady_clock::now();
        std::string reason;
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [this] { return stop_requested || lost || reconnect_requested; });
          if (stop_requested) break;
          reason = reconnect_requested && !lost ? "reconnect requested" : lost_reason;
        }
        owner.connection_id_ = 0;
        notify_change();
        if (reason == "reconnect requested") {
          try {
            client->disconnect(std::chrono::seconds(1))->wait_for(std::chrono::seconds(2));
          } catch (const mqtt::exception&) {
          }
        }
        backoff.connection_ended(
            std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - connected_at));
        error = reason;
        set_state(LinkState::backoff, "connection lost: " + reason);
        bool requested = false;
        {
          std::lock_guard<std::mutex> lock(mu);
          requested = reconnect_requested;
        }
        if (requested) {
          spdlog::info("Reconnecting. {} reason=\"{}\"", opts.label, reason);
          // Never more than one CONNECT per second per client id.
          const auto since = std::chrono::steady_clock::now() - attempt_start;
          if (since < std::chrono::seconds(1) &&
              sleep_for(std::chrono::duration_cast<Duration>(std::chrono::seconds(1) - since)))
            break;
          continue;
        }
        const Duration delay = backoff.next();
        spdlog::warn("Connection lost. {} reason=\"{}\" retry_in={}", opts.label, reason, format_duration(delay));
        if (sleep_for(delay)) break;
        continue;
      }
      Duration delay = backoff.next();
      const auto elapsed = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - attempt_start);
      if (elapsed + delay < Duration(1000)) delay = Duration(1000) - elapsed;
      set_state(LinkState::backoff, error);
      spdlog::warn("Connect failed. {} url={} reason=\"{}\" retry_in={}", opts.label, opts.url.text(), error,
                   format_duration(delay));
      if (sleep_for(delay)) break;
    }
  }

  // iaction_listener for publish_tracked.
  void complete(const mqtt::token& tok, bool ok) {
    const auto seq = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
    std::function<void(bool)> done;
    {
      std::lock_guard<std::mutex> lock(pending_mu);
      auto it = pending.find(seq);
      if (it == pending.end()) return;
      done = std::move(it->second.done);
      pending.erase(it);
    }
    if (done) done(ok);
  }
  void on_success(const mqtt::token& tok) override { complete(tok, true); }
  void on_failure(const mqtt::token& tok) override { complete(tok, false); }
};

MqttSession::MqttSession(SessionOptions options, MessageHandler on_message)
    : impl_(std::make_unique<Impl>(*this, std::move(options), std::move(on_message))) {
  // Paho C records every function entry and protocol packet in an in-memory
  // trace ring at its default level, formatting each entry (vsnprintf under a
  // global mutex) even with no trace callback set: several per message. Nothing
  // reads that ring here; errors are still recorded. Measured with
  // tests/bench/bridge_bench: 88-98 -> 52 us of CPU per QoS 1 message. Paho's
  // own MQTT_C_CLIENT_TRACE_LEVEL (for debugging with MQTT_C_CLIENT_TRACE)
  // still wins when set.
  static std::once_flag quiet_trace;
  std::call_once(quiet_trace, [] {
    const char* level = std::getenv("MQTT_C_CLIENT_TRACE_LEVEL");
    if (level == nullptr || *level == '\0') MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
  });
}

MqttSession::~MqttSession() { stop(); }

void MqttSession::set_subscriptions(std::vector<Subscription> subscriptions) {
  std::lock_guard<std::mutex> subscribing(impl_->subscribe_mu);
  std::vector<Subscription> added;
  std::vector<std::string> removed;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (const auto& s : subscriptions)
      if (std::find(impl_->subscriptions.begin(), impl_->subscriptions.end(), s) == impl_->subscriptions.end())
        added.push_back(s);
    for (const auto& s : impl_->subscriptions) {
      bool kept = std::any_of(subscriptions.begin(), subscriptions.end(),
                              [&](const Subscription& n) { return n.filter == s.filter; });
      if (!kept) removed.push_back(s.filter);
    }
    impl_->subscriptions = std::move(subscriptions);
  }
  auto client = impl_->current();
  if (!impl_->subscribed || !client) return;  // the next connect subscribes to the new list
  // Identifiers for the new filters, and none for the removed ones, before the
  // SUBSCRIBEs: a copy matched by a removed filter must not hide the only copy.
  impl_->rebuild_sub_ids();
  impl_->subscribe_filters(added);
  for (const auto& filter : removed) {
    try {
      client->unsubscribe(filter)->wait_for(std::chrono::seconds(5));
    } catch (const mqtt::exception& e) {
      spdlog::warn("Unsubscribe failed. {} filter=\"{}\" error=\"{}\"", impl_->opts.label, filter, e.what());
    }
  }
}

void MqttSession::on_connection_change(ChangeHandler handler) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->on_change = std::move(handler);
}

void MqttSession::set_connect_gate(ConnectGate gate) { impl_->gate = std::move(gate); }

void MqttSession::start() {
  if (impl_->thread.joinable()) return;
  impl_->stop_requested = false;
  impl_->ensure_client(impl_->pick_version());  // publish() may buffer before the first connect
  impl_->thread = std::thread([this] { impl_->run(); });
}

void MqttSession::stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop_requested = true;
    impl_->cv.notify_all();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  auto client = impl_->current();
  if (client && client->is_connected()) {
    try {
      if (!impl_->opts.status_topic.empty())
        client->publish(impl_->opts.status_topic, "offline", 7, 1, true)->wait_for(timeout);
      client->disconnect(timeout)->wait_for(timeout + std::chrono::milliseconds(500));
      spdlog::info("Disconnected. {}", impl_->opts.label);
    } catch (const mqtt::exception& e) {
      spdlog::warn("Disconnect failed. {} error=\"{}\"", impl_->opts.label, e.what());
    }
  }
  connection_id_ = 0;
  impl_->set_state(LinkState::stopped);
}

void MqttSession::reconnect_now(std::optional<TlsConfig> new_tls) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (new_tls) impl_->pending_tls = std::move(new_tls);
  impl_->reconnect_requested = true;
  impl_->cv.notify_all();
}

LinkStatus MqttSession::status() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->link;
}

bool MqttSession::publish_tracked(std::uint64_t conn, const Message& message, std::function<void(bool)> done) {
  auto client = impl_->current();
  if (conn == 0 || conn != connection_id_.load() || !client) return false;
  std::uint64_t seq = 0;
  {
    std::lock_guard<std::mutex> lock(impl_->pending_mu);
    seq = ++impl_->next_seq;
    impl_->pending.emplace(seq, Impl::Pending{conn, std::move(done)});
  }
  auto msg = mqtt::make_message(message.topic, message.payload, message.qos, message.retain);
  try {
    if (impl_->echo_active.load()) impl_->echo.published(message.topic, message.payload);
    client->publish(msg, reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq)), *impl_);
  } catch (const mqtt::exception& e) {
    std::lock_guard<std::mutex> lock(impl_->pending_mu);
    impl_->pending.erase(seq);
    return false;
  }
  return true;
}

bool MqttSession::publish(const Message& message) {
  auto client = impl_->current();
  if (!client) return false;
  try {
    if (impl_->echo_active.load()) impl_->echo.published(message.topic, message.payload);
    client->publish(mqtt::make_message(message.topic, message.payload, message.qos, message.retain));
    return true;
  } catch (const mqtt::exception& e) {
    spdlog::debug("Publish failed. {} topic=\"{}\" error=\"{}\"", impl_->opts.label, message.topic, e.what());
    return false;
  }
}

}  // namespace edgebridge
