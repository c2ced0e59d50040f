#include "mqtt/mqtt_client.hpp"
#include "core/echo.hpp"
#include "core/text.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "config/units.hpp"
#include "core/backoff.hpp"
#include "core/log_limiter.hpp"
#include "mqtt/connect_job.hpp"
#include "mqtt/echo_filter.hpp"
#include "mqtt/mosquitto_words.hpp"
#include "mqtt/subscription_ids.hpp"
#include "mqtt/tls_probe.hpp"

namespace edgebridge {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

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

// How long the probe that explains a failed TLS connect may take.
constexpr Duration kTlsProbeTimeout{2000};
// Between backed-off attempts after "cannot reach the broker": how often a
// plain TCP connect checks whether it accepts connections again.
constexpr std::chrono::milliseconds kProbeInterval{500};
// At most this many packets are read from one socket per event, so one busy
// connection cannot starve the others.
constexpr int kReadBurst = 512;

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

bool handshaking(mosquitto* m) {
  auto* ssl = static_cast<SSL*>(mosquitto_ssl_get(m));
  return ssl != nullptr && !SSL_is_init_finished(ssl);
}

const char* version_name(bool mqtt5) { return mqtt5 ? "5" : "3.1.1"; }

}  // namespace

struct MqttClient::Impl final : LogSink, std::enable_shared_from_this<Impl> {
  enum class Phase { idle, waiting, connecting, connected, backoff, stopped };

  Impl(EventLoop& l, ClientOptions o, MessageHandler h) : loop(l), opts(std::move(o)), on_message(std::move(h)) {}

  EventLoop& loop;
  ClientOptions opts;
  MessageHandler on_message;
  PublishListener* listener = nullptr;
  ConnectGate gate;
  std::function<void()> on_change;
  std::function<bool()> write_gate;

  Phase phase = Phase::idle;
  bool stopping = false;
  std::function<void()> stop_done;
  EventLoop::TimerId stop_timer = 0;
  std::uint64_t status_mid = 0;  // the "offline" publish of stop()
  bool status_mid_valid = false;

  // The current attempt or connection.
  std::shared_ptr<ConnectJob> job;
  mosquitto* mosq = nullptr;
  int fd = -1;
  EventLoop::WatchId watch = 0;
  bool watch_read = false, watch_write = false;
  bool reading_paused = false;
  bool use_v5 = true;
  bool fallback_to_311 = false;
  bool got_connack = false;
  bool handshake_done = false;  // no TLS handshake in progress
  bool tcp_up = false;          // TCP connected during this attempt
  bool transport_up = false;    // and, with TLS, the handshake done
  std::uint64_t diagnosis = 0;  // generation of the TLS probe that explains the last failure
  bool disconnected = false;    // on_disconnect ran
  int disconnect_code = -1;     // its code
  bool our_disconnect = false;
  bool keepalive_timeout = false;
  std::string connack_refusal;
  bool version_refused = false;
  Clock::time_point attempt_started{};
  Clock::time_point connected_at{};
  Clock::time_point last_rx{};
  EventLoop::TimerId connect_timer = 0, misc_timer = 0, retry_timer = 0;
  std::string waiting_reason;

  // Reachability checks between backed-off attempts.
  bool unreachable = false;
  bool probing = false;
  std::shared_ptr<std::atomic<bool>> probe_cancel;

  // The connection's parameters.
  std::uint64_t connection_counter = 0;
  std::uint64_t conn_id = 0;
  int receive_max = 65535;
  std::size_t max_packet = 0;
  bool sub_ids_available = false;

  Backoff backoff{ReconnectPolicy{}};
  bool reconnect_requested = false;
  std::optional<TlsConfig> pending_tls;

  std::vector<Subscription> subscriptions;
  SubscriptionIds sub_ids;
  // SUBSCRIBEs and UNSUBSCRIBEs sent on this connection and not yet answered,
  // whether one since the last set_subscriptions was refused or could not be
  // sent, and who waits for them all to be answered (when_subscribed).
  std::unordered_map<int, std::string> unanswered_subs;  // mid -> filter
  bool sub_failed = false;
  std::vector<std::function<void(bool)>> sub_waiters;
  EchoFilter echo;
  bool echo_active = false;

  // Tracked publishes (the forwarder's): mid -> token.
  std::unordered_map<int, std::uint64_t> tracked;
  // Fire-and-forget QoS 1 publishes not yet acknowledged: mid -> message.
  std::unordered_map<int, Message> untracked;
  LogLimiter refusal_log;        // one warning per 10 s about refused fire-and-forget publishes
  std::deque<Message> buffered;  // while disconnected
  int publishing = 0;            // inside our own mosquitto_publish: outcomes are posted
  std::uint64_t iteration_hook = 0;

  mutable std::mutex status_m;
  LinkStatus link;

  static Impl* self(void* userdata) { return static_cast<Impl*>(static_cast<LogSink*>(userdata)); }

  // ---- status ----
  void set_state(LinkState s, std::string error = {}) {
    std::lock_guard<std::mutex> lock(status_m);
    link.state = s;
    link.since = std::chrono::system_clock::now();
    if (!error.empty()) link.last_error = std::move(error);
    if (s != LinkState::connected) link.mqtt_version = 0;
  }

  void notify_change() {
    if (on_change) on_change();
  }

  // ---- connect ----
  bool pick_v5() const {
    if (opts.protocol == MqttProtocol::v5) return true;
    if (opts.protocol == MqttProtocol::v311) return false;
    return !fallback_to_311;
  }

  void schedule_attempt(Duration delay) {
    cancel_timer(retry_timer);
    retry_timer = loop.after(delay, [this] {
      retry_timer = 0;
      begin_attempt();
    });
  }

  void cancel_timer(EventLoop::TimerId& t) {
    if (t != 0) loop.cancel(t);
    t = 0;
  }

  void begin_attempt() {
    if (stopping || phase == Phase::connecting || phase == Phase::connected) return;
    stop_probing();
    if (gate) {
      std::string why = gate();
      if (!why.empty()) {
        if (why != waiting_reason) spdlog::warn("Not connecting yet. {} reason=\"{}\"", opts.label, why);
        waiting_reason = why;
        phase = Phase::waiting;
        set_state(LinkState::waiting_clock, why);
        schedule_attempt(Duration(1000));
        return;
      }
      if (!waiting_reason.empty()) spdlog::info("Ready to connect. {}", opts.label);
      waiting_reason.clear();
    }
    // Never more than one CONNECT per second per client id.
    const auto since = Clock::now() - attempt_started;
    if (attempt_started != Clock::time_point{} && since < 1s) {
      phase = Phase::backoff;
      schedule_attempt(std::chrono::duration_cast<Duration>(1s - since) + Duration(1));
      return;
    }
    if (pending_tls) {
      opts.tls = std::move(pending_tls);
      pending_tls.reset();
    }
    reconnect_requested = false;
    phase = Phase::connecting;
    attempt_started = Clock::now();
    use_v5 = pick_v5();
    got_connack = handshake_done = tcp_up = transport_up = disconnected = our_disconnect = keepalive_timeout =
        version_refused = false;
    ++diagnosis;
    disconnect_code = -1;
    connack_refusal.clear();
    last_error.clear();
    set_state(LinkState::connecting);

    ConnectRequest r;
    r.host = opts.url.host;
    r.port = opts.url.port;
    r.client_id = opts.client_id;
    r.clean_start = !opts.persistent_session;
    r.mqtt5 = use_v5;
    if (opts.url.tls() && opts.tls) r.tls = opts.tls;
    r.username = opts.username;
    r.password = opts.password;
    r.keepalive_s = static_cast<int>(std::clamp<long long>(
        std::chrono::duration_cast<std::chrono::seconds>(opts.keepalive).count(), 5, 65535));
    r.will_topic = opts.status_topic;
    r.receive_maximum = opts.receive_maximum;
    if (opts.persistent_session)
      r.session_expiry_s = static_cast<std::uint32_t>(std::min<long long>(
          std::chrono::duration_cast<std::chrono::seconds>(opts.session_expiry).count(), 0xffffffffLL));
    r.configure = [](mosquitto* m) {
      mosquitto_connect_v5_callback_set(m, &Impl::cb_connect);
      mosquitto_disconnect_v5_callback_set(m, &Impl::cb_disconnect);
      mosquitto_publish_v5_callback_set(m, &Impl::cb_publish);
      mosquitto_message_v5_callback_set(m, &Impl::cb_message);
      mosquitto_subscribe_v5_callback_set(m, &Impl::cb_subscribe);
      mosquitto_unsubscribe_v5_callback_set(m, &Impl::cb_unsubscribe);
    };
    std::weak_ptr<Impl> weak = shared_from_this();
    EventLoop* l = &loop;
    job = start_connect(std::move(r), [weak, l](const std::shared_ptr<ConnectJob>& j) {
      return l->post([weak, j] {
        auto self = weak.lock();
        if (self && self->job == j && !j->abandoned.load()) {
          self->connect_started();
        } else if (j->mosq != nullptr) {
          destroy_client(j->mosq);
          j->mosq = nullptr;
        }
        if (j->thread.joinable()) j->thread.join();
      });
    });
    connect_timer = loop.after(opts.connect_timeout, [this] {
      connect_timer = 0;
      if (phase != Phase::connecting || got_connack) return;
      note_transport();
      attempt_failed("timed out after " + format_duration(opts.connect_timeout) + " without a CONNACK", !tcp_up);
    });
  }

  void abandon_job() {
    if (!job) return;
    job->abandoned = true;
    // It may be stuck in a name lookup; it cleans up after itself.
    if (job->thread.joinable()) job->thread.detach();
    job.reset();
  }

  void connect_started() {
    auto j = job;
    if (j->rc != MOSQ_ERR_SUCCESS || j->mosq == nullptr) {
      last_error = j->log.last_error;
      const std::string error = j->error.empty() ? describe_mosquitto_error(j->rc, j->saved_errno, last_error) : j->error;
      const bool tls_failure = j->rc == MOSQ_ERR_TLS || (j->rc == MOSQ_ERR_ERRNO && j->saved_errno == EPROTO);
      if (j->mosq != nullptr) {
        destroy_client(j->mosq);
        j->mosq = nullptr;
      }
      job.reset();
      attempt_failed(error, j->unreachable, tls_failure);
      return;
    }
    mosq = j->mosq;
    j->mosq = nullptr;
    job.reset();
    mosquitto_user_data_set(mosq, static_cast<LogSink*>(this));
    if (opts.gated_writes) mosquitto_threaded_set(mosq, true);  // packets are queued; we write them
    fd = mosquitto_socket(mosq);
    if (fd < 0) {
      attempt_failed("the connection closed before it was established", true);
      return;
    }
    handshake_done = !handshaking(mosq);
    watch_read = watch_write = false;
    watch = loop.watch(fd, true, false, [this](EventLoop::Events ev) { on_io(ev); });
    watch_read = true;
    update_interest();
  }

  // ---- I/O ----
  bool wants_write() {
    if (mosq == nullptr) return false;
    if (handshaking(mosq)) return SSL_want_write(static_cast<SSL*>(mosquitto_ssl_get(mosq))) != 0;
    if (!mosquitto_want_write(mosq)) return false;
    return !opts.gated_writes || !write_gate || write_gate() || !got_connack;
  }

  void update_interest() {
    if (watch == 0 || mosq == nullptr) return;
    const bool r = !reading_paused || !got_connack;
    const bool w = wants_write();
    if (r != watch_read || w != watch_write) {
      loop.modify(watch, r, w);
      watch_read = r;
      watch_write = w;
    }
  }

  void on_io(EventLoop::Events ev) {
    if (mosq == nullptr) return;
    auto keep = shared_from_this();  // a handler may drop the client
    if (handshaking(mosq)) {
      if (ev.hangup) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        const bool refused = unreachable_errno(err);
        attempt_failed(err != 0 ? "cannot connect: " + errno_text(err)
                                : "the connection closed during the TLS handshake",
                       refused, !refused);
        return;
      }
      errno = 0;
      const int rc = mosquitto_loop_read(mosq, 1);
      if (rc != MOSQ_ERR_SUCCESS || fd_gone()) {
        io_failed(rc, errno);
        return;
      }
      if (!handshaking(mosq)) handshake_done = true;
      note_transport();  // TCP is up once the handshake progressed
      update_interest();
      return;
    }
    handshake_done = true;
    note_transport();
    if (ev.readable || ev.hangup) {
      last_rx = Clock::now();
      if (!read_all()) return;
    }
    if (ev.writable && !write_out()) return;
    update_interest();
  }

  bool fd_gone() const { return mosq == nullptr || mosquitto_socket(mosq) < 0 || disconnected; }

  // TCP connected (and, with TLS, the handshake done) during this attempt.
  void note_transport() {
    if (transport_up || mosq == nullptr || fd < 0) return;
    if (!tcp_up) {
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      tcp_up = ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0;
    }
    transport_up = tcp_up && !handshaking(mosq);
  }

  // False when the connection ended (and was handled).
  bool read_all() {
    if (opts.gated_writes) {
      // Our PUBACKs may wait, so the kernel's delayed ACK would wait too, and a
      // broker with Nagle on (Mosquitto's default) holds its next PUBLISH until
      // that ACK: up to 40 ms per message at low rates. ACK what we read now.
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    }
    auto* ssl = static_cast<SSL*>(mosquitto_ssl_get(mosq));
    for (int i = 0; i < kReadBurst; ++i) {
      errno = 0;
      const int rc = mosquitto_loop_read(mosq, 1);
      const int e = errno;
      if (rc != MOSQ_ERR_SUCCESS || fd_gone()) {
        io_failed(rc, e);
        return false;
      }
      if (e == EAGAIN || e == EWOULDBLOCK) {
        if (ssl == nullptr || !SSL_has_pending(ssl)) break;
      }
    }
    return true;
  }

  bool write_out() {
    if (mosq == nullptr || handshaking(mosq) || !mosquitto_want_write(mosq)) return true;
    if (opts.gated_writes && got_connack && write_gate && !write_gate()) return true;
    errno = 0;
    const int rc = mosquitto_loop_write(mosq, 1);
    if (rc != MOSQ_ERR_SUCCESS || fd_gone()) {
      io_failed(rc, errno);
      return false;
    }
    return true;
  }

  // After the events of an iteration: what callbacks queued is written.
  void after_iteration() {
    if (mosq == nullptr || watch == 0) return;
    if (!write_out()) return;
    update_interest();
  }

  void io_failed(int rc, int err) {
    if (got_connack) {
      connection_ended(rc, err);
      return;
    }
    std::string error;
    bool unreachable_now = false, tls_failure = false;
    if (!connack_refusal.empty()) {
      error = connack_refusal;
    } else if (rc == MOSQ_ERR_ERRNO && unreachable_errno(err)) {
      error = "cannot connect: " + errno_text(err);
      unreachable_now = true;
    } else if (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_TLS_HANDSHAKE || (rc == MOSQ_ERR_ERRNO && err == EPROTO)) {
      error = describe_mosquitto_error(rc, err, last_error);
      tls_failure = true;
    } else if (transport_up) {
      error = "the connection closed before the broker answered the CONNECT";
    } else {
      error = describe_mosquitto_error(rc, err, last_error);
      tls_failure = opts.url.tls();
    }
    attempt_failed(error, unreachable_now, tls_failure);
  }

  // ---- callbacks (loop thread, inside a libmosquitto call) ----
  // They may publish and subscribe on any client, but must not write, read,
  // disconnect or destroy this one: libmosquitto holds its locks meanwhile.
  static void cb_connect(mosquitto*, void* ud, int rc, int flags, const mosquitto_property* props) {
    self(ud)->connack(rc, flags, props);
  }
  static void cb_disconnect(mosquitto*, void* ud, int rc, const mosquitto_property*) {
    Impl* s = self(ud);
    if (s->disconnected) return;  // libmosquitto calls again when it then finds the socket closed
    s->disconnected = true;
    s->disconnect_code = rc;
  }
  static void cb_publish(mosquitto*, void* ud, int mid, int reason, const mosquitto_property*) {
    self(ud)->puback(mid, reason);
  }
  static void cb_message(mosquitto*, void* ud, const mosquitto_message* m, const mosquitto_property* props) {
    self(ud)->message(m, props);
  }
  static void cb_subscribe(mosquitto*, void* ud, int mid, int count, const int* granted, const mosquitto_property*) {
    Impl* s = self(ud);
    for (int i = 0; i < count; ++i)
      if (granted[i] >= 0x80) {
        s->sub_failed = true;
        const auto it = s->unanswered_subs.find(mid);
        spdlog::warn("Subscription refused by the broker. {} filter=\"{}\" reason={}", s->opts.label,
                     it == s->unanswered_subs.end() ? std::string("?") : echo_text(it->second),
                     describe_reason_code(granted[i]));
      }
    s->subscription_answered(mid);
  }
  static void cb_unsubscribe(mosquitto*, void* ud, int mid, const mosquitto_property*) {
    self(ud)->subscription_answered(mid);
  }

  void connack(int rc, int flags, const mosquitto_property* props) {
    if (rc != 0) {
      connack_refusal = "broker refused the connection: " + describe_reason_code(rc, !use_v5);
      if (opts.protocol == MqttProtocol::automatic && use_v5 && (rc == 0x84 || rc == 1)) version_refused = true;
      return;
    }
    got_connack = true;
    handshake_done = tcp_up = transport_up = true;
    cancel_timer(connect_timer);
    mosquitto_log_callback_set(mosq, nullptr);  // formatting every debug line costs CPU
    receive_max = 65535;
    max_packet = 0;
    sub_ids_available = false;
    if (use_v5) {
      std::uint16_t rm = 0;
      if (mosquitto_property_read_int16(props, MQTT_PROP_RECEIVE_MAXIMUM, &rm, false) != nullptr && rm > 0)
        receive_max = rm;
      std::uint32_t mp = 0;
      if (mosquitto_property_read_int32(props, MQTT_PROP_MAXIMUM_PACKET_SIZE, &mp, false) != nullptr) max_packet = mp;
      std::uint8_t available = 1;
      mosquitto_property_read_byte(props, MQTT_PROP_SUBSCRIPTION_ID_AVAILABLE, &available, false);
      sub_ids_available = available != 0;
    } else {
      receive_max = 20;  // libmosquitto's own window on 3.1.1, which has no Receive Maximum
    }
    echo_active = !use_v5;
    connected_at = Clock::now();
    last_rx = connected_at;
    conn_id = ++connection_counter;
    phase = Phase::connected;
    unreachable = false;
    {
      std::lock_guard<std::mutex> lock(status_m);
      link.state = LinkState::connected;
      link.since = std::chrono::system_clock::now();
      link.mqtt_version = use_v5 ? 5 : 4;
      ++link.connects;
    }
    spdlog::info("Connected. {} url={} client_id={} mqtt={} session_present={}{}{}", opts.label, opts.url.text(),
                 opts.client_id, version_name(use_v5), (flags & 1) != 0,
                 receive_max < 65535 ? " receive_maximum=" + std::to_string(receive_max) : std::string(),
                 max_packet > 0 ? " maximum_packet_size=" + std::to_string(max_packet) : std::string());
    subscribe_all();
    if (!opts.status_topic.empty()) send_status("online");
    resend_untracked();
    misc_timer = loop.after(1s, [this] { misc(); });
    if (listener != nullptr) listener->connected();
    notify_change();
  }

  void puback(int mid, int reason) {
    if (status_mid_valid && static_cast<std::uint64_t>(mid) == status_mid) {
      status_mid_valid = false;
      if (stopping) {
        // Not from inside libmosquitto's callback: it holds its own locks.
        std::weak_ptr<Impl> weak = shared_from_this();
        loop.post([weak] {
          if (auto s = weak.lock(); s && s->stopping && s->phase != Phase::stopped) s->finish_stop_after_status();
        });
      }
      return;
    }
    if (auto it = tracked.find(mid); it != tracked.end()) {
      const std::uint64_t token = it->second;
      tracked.erase(it);
      const PublishOutcome outcome = classify_puback(reason);
      if (listener == nullptr) return;
      if (publishing > 0) {  // inside our own publish(): the caller is mid-way
        std::weak_ptr<Impl> weak = shared_from_this();
        const std::uint64_t conn = conn_id;
        loop.post([weak, token, outcome, conn] {
          auto s = weak.lock();
          if (s && s->conn_id == conn && s->listener != nullptr) s->listener->published(token, outcome);
        });
      } else {
        listener->published(token, outcome);
      }
      return;
    }
    const auto it = untracked.find(mid);
    if (it == untracked.end()) return;
    if (reason >= 0x80) refused(it->second, reason);
    untracked.erase(it);
  }

  // The broker would not take a fire-and-forget publish (MQTT 5 PUBACK with a
  // failure reason, e.g. its ACL). Not sent again: it would be refused again.
  void refused(const Message& m, int reason) {
    {
      std::lock_guard<std::mutex> lock(status_m);
      ++link.refused;
    }
    std::uint64_t held_back = 0;
    if (refusal_log.allow(held_back))
      spdlog::warn(
          "The broker refused a message; it is not delivered. {} topic=\"{}\" reason={} "
          "refused_since_last_warning={}",
          opts.label, echo_text(m.topic), describe_reason_code(reason), held_back);
  }

  void message(const mosquitto_message* m, const mosquitto_property* props) {
    if (m == nullptr || m->topic == nullptr) return;
    last_rx = Clock::now();
    Message msg;
    msg.topic = m->topic;
    if (m->payloadlen > 0) msg.payload.assign(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen));
    msg.qos = m->qos;
    msg.retain = m->retain;
    msg.received_at = std::chrono::system_clock::now();
    if (echo_active && echo.is_echo(msg.topic, msg.payload)) return;
    if (use_v5 && sub_ids_available) {
      std::vector<std::uint32_t> ids;
      const mosquitto_property* p = props;
      std::uint32_t id = 0;
      bool first = true;
      while ((p = mosquitto_property_read_varint(first ? props : p, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, &id, !first)) !=
             nullptr) {
        ids.push_back(id);
        first = false;
      }
      if (sub_ids.is_extra_copy(msg.topic, ids)) return;
    }
    if (on_message) on_message(std::move(msg));
  }

  // ---- subscriptions ----
  void subscribe_filters(const std::vector<Subscription>& subs) {
    for (const auto& s : subs) {
      int rc = MOSQ_ERR_SUCCESS;
      int mid = 0;
      if (use_v5) {
        mosquitto_property* props = nullptr;
        if (sub_ids_available)
          mosquitto_property_add_varint(&props, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, sub_ids.id_of(s.filter));
        rc = mosquitto_subscribe_v5(mosq, &mid, s.filter.c_str(), s.qos,
                                    MQTT_SUB_OPT_NO_LOCAL | MQTT_SUB_OPT_RETAIN_AS_PUBLISHED |
                                        MQTT_SUB_OPT_SEND_RETAIN_NEW,
                                    props);
        mosquitto_property_free_all(&props);
      } else {
        rc = mosquitto_subscribe(mosq, &mid, s.filter.c_str(), s.qos);
      }
      if (rc == MOSQ_ERR_SUCCESS) {
        unanswered_subs[mid] = s.filter;
        continue;
      }
      sub_failed = true;
      spdlog::warn("Subscribe failed. {} filter=\"{}\" error=\"{}\"", opts.label, s.filter,
                   describe_mosquitto_error(rc, errno, {}));
    }
    if (!subs.empty()) spdlog::debug("Subscribed. {} filters={}", opts.label, subs.size());
  }

  void unsubscribe_filters(const std::vector<std::string>& filters) {
    for (const auto& filter : filters) {
      int mid = 0;
      const int rc = mosquitto_unsubscribe(mosq, &mid, filter.c_str());
      if (rc == MOSQ_ERR_SUCCESS) {
        unanswered_subs[mid] = filter;
        continue;
      }
      sub_failed = true;
      spdlog::warn("Unsubscribe failed. {} filter=\"{}\" error=\"{}\"", opts.label, filter,
                   describe_mosquitto_error(rc, errno, {}));
    }
  }

  void subscription_answered(int mid) {
    unanswered_subs.erase(mid);
    if (unanswered_subs.empty()) tell_sub_waiters(!sub_failed);
  }

  // Everyone waiting hears `confirmed`: true once the broker took every
  // SUBSCRIBE and UNSUBSCRIBE; false when one was refused or not sent, or the
  // connection ended first. The waiters run inside libmosquitto's callbacks:
  // they must not touch this client.
  void tell_sub_waiters(bool confirmed) {
    auto waiters = std::move(sub_waiters);
    sub_waiters.clear();
    for (auto& w : waiters) w(confirmed);
  }

  void subscribe_all() {
    sub_ids.set_filters(subscriptions);
    subscribe_filters(subscriptions);
  }

  // ---- publishing ----
  bool raw_publish(const Message& m, int* mid, int& rc) {
    ++publishing;
    if (echo_active) echo.published(m.topic, m.payload);
    rc = mosquitto_publish_v5(mosq, mid, m.topic.c_str(), static_cast<int>(m.payload.size()), m.payload.data(),
                              std::min(m.qos, 1), m.retain, nullptr);
    --publishing;
    return rc == MOSQ_ERR_SUCCESS;
  }

  void send_status(const char* text) {
    int mid = 0;
    const int rc = mosquitto_publish_v5(mosq, &mid, opts.status_topic.c_str(), static_cast<int>(std::strlen(text)),
                                        text, 1, true, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      spdlog::warn("Status publish failed. {} error=\"{}\"", opts.label, describe_mosquitto_error(rc, errno, {}));
      return;
    }
    status_mid = static_cast<std::uint64_t>(mid);
    status_mid_valid = true;
  }

  bool publish_untracked(const Message& m) {
    int mid = 0, rc = 0;
    if (!raw_publish(m, &mid, rc)) {
      spdlog::debug("Publish failed. {} topic=\"{}\" error=\"{}\"", opts.label, echo_text(m.topic),
                    describe_mosquitto_error(rc, errno, {}));
      return false;
    }
    if (m.qos > 0) untracked.emplace(mid, m);
    return true;
  }

  void resend_untracked() {
    // Unacknowledged publishes of the last connection first, then what was
    // published while disconnected, in order.
    std::vector<std::pair<int, Message>> old(untracked.begin(), untracked.end());
    untracked.clear();
    std::sort(old.begin(), old.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::deque<Message> queue;
    for (auto& [mid, m] : old) queue.push_back(std::move(m));
    for (auto& m : buffered) queue.push_back(std::move(m));
    buffered.clear();
    for (auto& m : queue) publish_untracked(m);
  }

  // ---- keepalive and half-open detection ----
  void misc() {
    misc_timer = 0;
    if (mosq == nullptr || phase != Phase::connected) return;
    const int rc = mosquitto_loop_misc(mosq);
    if (rc != MOSQ_ERR_SUCCESS || fd_gone()) {
      io_failed(rc, errno);
      return;
    }
    const auto now = Clock::now();
    const auto limit = std::chrono::duration_cast<Clock::duration>(opts.keepalive * 3 / 2);
    const auto silent = now - last_rx;
    if (silent >= limit) {
      keepalive_timeout = true;
      spdlog::warn("No answer from the broker for {}; closing the connection. {}",
                   format_duration(std::chrono::duration_cast<Duration>(silent)), opts.label);
      connection_ended(MOSQ_ERR_KEEPALIVE, 0);
      return;
    }
    after_iteration();
    // Once a second for libmosquitto's keepalive, and exactly when the silence
    // would reach 1.5 x keepalive.
    misc_timer = loop.after(std::min<Clock::duration>(1s, limit - silent), [this] { misc(); });
  }

  // ---- ending ----
  void close_socket() {
    cancel_timer(connect_timer);
    cancel_timer(misc_timer);
    if (watch != 0) loop.unwatch(watch);
    watch = 0;
    fd = -1;
    if (mosq != nullptr) {
      destroy_client(mosq);  // closes the socket
      mosq = nullptr;
    }
    tracked.clear();
    status_mid_valid = false;
    unanswered_subs.clear();
    sub_failed = false;
    tell_sub_waiters(false);
  }

  void connection_ended(int rc, int err) {
    ConnectionEnd end;
    end.keepalive_timeout = keepalive_timeout || rc == MOSQ_ERR_KEEPALIVE;
    std::string reason;
    if (disconnected && disconnect_code >= 0x80) {
      end.disconnect_reason = disconnect_code;
      reason = "server sent DISCONNECT: " + describe_reason_code(disconnect_code);
    } else if (end.keepalive_timeout) {
      reason = "no answer within 1.5 x keepalive";
    } else if (reconnect_requested) {
      reason = "reconnect requested";
    } else {
      end.by_peer = true;
      reason = disconnected && disconnect_code == 0 && rc == MOSQ_ERR_SUCCESS
                   ? "server sent DISCONNECT"
                   : describe_mosquitto_error(rc == MOSQ_ERR_SUCCESS ? MOSQ_ERR_CONN_LOST : rc, err, last_error);
    }
    end.detail = reason;
    const Duration uptime = std::chrono::duration_cast<Duration>(Clock::now() - connected_at);
    close_socket();
    conn_id = 0;
    phase = Phase::backoff;
    backoff.connection_ended(uptime);
    set_state(LinkState::backoff, "connection lost: " + reason);
    if (listener != nullptr) listener->connection_lost(end);
    notify_change();
    if (stopping) return;
    if (reconnect_requested) {
      spdlog::info("Reconnecting. {} reason=\"{}\"", opts.label, reason);
      begin_attempt();
      return;
    }
    const Duration delay = backoff.next();
    spdlog::warn("Connection lost. {} reason=\"{}\" retry_in={}", opts.label, reason, format_duration(delay));
    schedule_attempt(delay);
  }

  void attempt_failed(const std::string& error_text, bool unreachable_now, bool tls_failure = false) {
    const bool closed_before_connack =
        transport_up && !got_connack && connack_refusal.empty() && !unreachable_now && !keepalive_timeout;
    close_socket();
    abandon_job();
    phase = Phase::backoff;
    if (stopping) return;
    // A version 5 CONNECT that a 3.1.1-only broker answers by closing the socket.
    const bool check_311 =
        opts.protocol == MqttProtocol::automatic && use_v5 && closed_before_connack && !version_refused;
    const bool tls = opts.url.tls() && opts.tls.has_value();
    if (!tls || (!check_311 && !tls_failure)) {
      conclude(error_text, unreachable_now, version_refused || check_311);
      return;
    }
    // The library says little about TLS: find out in words which check failed
    // (off the loop: the probe connects and waits).
    const std::uint64_t generation = ++diagnosis;
    std::weak_ptr<Impl> weak = shared_from_this();
    EventLoop* l = &loop;
    const Url url = opts.url;
    const TlsConfig files = *opts.tls;
    const Duration timeout = std::min(opts.connect_timeout, kTlsProbeTimeout);
    std::thread([weak, l, url, files, timeout, generation, error_text, unreachable_now, check_311] {
      const TlsDiagnosis d = diagnose_tls(url, files, timeout);
      l->post([weak, generation, d, error_text, unreachable_now, check_311] {
        auto s = weak.lock();
        if (!s || s->stopping || s->diagnosis != generation || s->phase != Phase::backoff) return;
        if (check_311 && d.why.empty())
          s->conclude(error_text + "; the TLS session is healthy, so the broker likely does not speak MQTT 5",
                      unreachable_now, true);
        else
          s->conclude(d.why.empty() ? error_text : d.why, unreachable_now || d.unreachable, false);
      });
    }).detach();
  }

  void conclude(std::string error, bool unreachable_now, bool try_311) {
    if (try_311) {
      fallback_to_311 = true;
      error += "; will try MQTT 3.1.1";
    }
    unreachable = unreachable_now;
    Duration delay = backoff.next();
    if (try_311) delay = Duration(1000);
    set_state(LinkState::backoff, error);
    spdlog::warn("Connect failed. {} url={} reason=\"{}\" retry_in={}", opts.label, opts.url.text(), error,
                 format_duration(delay));
    schedule_attempt(delay);
    if (unreachable) start_probing();
  }

  // ---- reachability checks while backing off ----
  void start_probing() {
    if (probing || stopping) return;
    probing = true;
    probe_cancel = std::make_shared<std::atomic<bool>>(false);
    probe_once();
  }

  void stop_probing() {
    probing = false;
    if (probe_cancel) *probe_cancel = true;
    probe_cancel.reset();
  }

  void probe_once() {
    if (!probing) return;
    std::weak_ptr<Impl> weak = shared_from_this();
    auto cancel = probe_cancel;
    EventLoop* l = &loop;
    const std::string host = opts.url.host;
    const int port = opts.url.port;
    std::thread([weak, cancel, l, host, port] {
      const bool up = tcp_reachable(host, port, std::chrono::milliseconds(450));
      if (cancel->load()) return;
      l->post([weak, cancel, up] {
        auto s = weak.lock();
        if (!s || cancel->load() || !s->probing) return;
        if (up && s->phase == Phase::backoff) {
          spdlog::info("The broker accepts connections again; connecting now. {}", s->opts.label);
          s->stop_probing();
          s->cancel_timer(s->retry_timer);
          s->begin_attempt();  // waits for the rest of the second since the last CONNECT
          return;
        }
        s->loop.after(kProbeInterval, [weak] {
          if (auto again = weak.lock()) again->probe_once();
        });
      });
    }).detach();
  }

  // ---- stopping ----
  void finish_stop_after_status() {
    if (mosq != nullptr) {
      our_disconnect = true;
      mosquitto_disconnect_v5(mosq, 0, nullptr);
      mosquitto_loop_write(mosq, 1);
      spdlog::info("Disconnected. {}", opts.label);
    }
    finish_stop();
  }

  void finish_stop() {
    cancel_timer(stop_timer);
    close_socket();
    abandon_job();
    stop_probing();
    cancel_timer(retry_timer);
    conn_id = 0;
    phase = Phase::stopped;
    set_state(LinkState::stopped);
    if (iteration_hook != 0) loop.remove_iteration_hook(iteration_hook);
    iteration_hook = 0;
    if (auto done = std::move(stop_done)) {
      stop_done = nullptr;
      done();
    }
  }
};

MqttClient::MqttClient(EventLoop& loop, ClientOptions options, MessageHandler on_message)
    : impl_(std::make_shared<Impl>(loop, std::move(options), std::move(on_message))) {
  library_init();
  impl_->backoff = Backoff(impl_->opts.reconnect);
}

MqttClient::~MqttClient() {
  if (impl_->phase != Impl::Phase::stopped && impl_->phase != Impl::Phase::idle) {
    // Not stopped cleanly: drop everything now (loop thread).
    impl_->stopping = true;
    impl_->finish_stop();
  }
  if (impl_->iteration_hook != 0) impl_->loop.remove_iteration_hook(impl_->iteration_hook);
}

void MqttClient::set_publish_listener(PublishListener* listener) { impl_->listener = listener; }
void MqttClient::set_connect_gate(ConnectGate gate) { impl_->gate = std::move(gate); }
void MqttClient::on_connection_change(std::function<void()> handler) { impl_->on_change = std::move(handler); }
void MqttClient::set_write_gate(std::function<bool()> may_write) { impl_->write_gate = std::move(may_write); }

void MqttClient::set_subscriptions(std::vector<Subscription> subscriptions) {
  Impl& s = *impl_;
  s.sub_failed = false;  // when_subscribed speaks of this change
  std::vector<Subscription> added;
  std::vector<std::string> removed;
  for (const auto& n : subscriptions)
    if (std::find(s.subscriptions.begin(), s.subscriptions.end(), n) == s.subscriptions.end()) added.push_back(n);
  for (const auto& o : s.subscriptions)
    if (std::none_of(subscriptions.begin(), subscriptions.end(),
                     [&](const Subscription& n) { return n.filter == o.filter; }))
      removed.push_back(o.filter);
  s.subscriptions = std::move(subscriptions);
  if (s.phase != Impl::Phase::connected || s.mosq == nullptr) return;  // the next connect subscribes to the new list
  // Identifiers for the new filters, and none for the removed ones, before the
  // SUBSCRIBEs: a copy matched by a removed filter must not hide the only copy.
  s.sub_ids.set_filters(s.subscriptions);
  s.subscribe_filters(added);
  s.unsubscribe_filters(removed);
  s.after_iteration();
}

void MqttClient::when_subscribed(std::function<void(bool)> done) {
  Impl& s = *impl_;
  if (s.phase != Impl::Phase::connected || s.mosq == nullptr) {
    done(false);
    return;
  }
  if (s.unanswered_subs.empty()) {
    done(!s.sub_failed);
    return;
  }
  s.sub_waiters.push_back(std::move(done));
}

void MqttClient::start() {
  Impl& s = *impl_;
  if (s.phase != Impl::Phase::idle && s.phase != Impl::Phase::stopped) return;
  s.stopping = false;
  s.phase = Impl::Phase::backoff;
  std::weak_ptr<Impl> weak = impl_;
  s.iteration_hook = s.loop.add_iteration_hook([weak] {
    if (auto i = weak.lock()) i->after_iteration();
  });
  s.begin_attempt();
}

void MqttClient::stop(std::chrono::milliseconds timeout, std::function<void()> done) {
  Impl& s = *impl_;
  if (s.phase == Impl::Phase::stopped || s.phase == Impl::Phase::idle) {
    s.phase = Impl::Phase::stopped;
    if (done) done();
    return;
  }
  s.stopping = true;
  s.stop_done = std::move(done);
  s.reading_paused = false;  // the answers to what we send now must come in
  if (s.phase == Impl::Phase::connected && s.mosq != nullptr) {
    s.stop_timer = s.loop.after(timeout, [&s] {
      s.stop_timer = 0;
      spdlog::warn("Disconnect timed out. {}", s.opts.label);
      s.finish_stop();
    });
    if (!s.opts.status_topic.empty()) {
      s.send_status("offline");
      if (s.status_mid_valid) {
        s.write_gate = nullptr;  // nothing is held back any more
        s.after_iteration();
        return;  // finish_stop_after_status() on its PUBACK
      }
    }
    s.finish_stop_after_status();
    return;
  }
  s.finish_stop();
}

void MqttClient::reconnect_now(std::optional<TlsConfig> new_tls) {
  Impl& s = *impl_;
  if (new_tls) s.pending_tls = std::move(new_tls);
  s.reconnect_requested = true;
  switch (s.phase) {
    case Impl::Phase::connected:
      // Our DISCONNECT, then at once a new connection (no waiting for an
      // answer, which a busy link may not give quickly).
      if (s.mosq != nullptr) {
        s.our_disconnect = true;
        mosquitto_disconnect_v5(s.mosq, 0, nullptr);
        mosquitto_loop_write(s.mosq, 1);
      }
      s.connection_ended(MOSQ_ERR_SUCCESS, 0);
      break;
    case Impl::Phase::connecting:
      s.close_socket();
      s.abandon_job();
      s.phase = Impl::Phase::backoff;
      s.begin_attempt();
      break;
    case Impl::Phase::backoff:
    case Impl::Phase::waiting:
      s.cancel_timer(s.retry_timer);
      s.begin_attempt();
      break;
    default: break;
  }
}

void MqttClient::flush() { impl_->after_iteration(); }

void MqttClient::pause_reading(bool paused) {
  impl_->reading_paused = paused;
  impl_->update_interest();
}

std::uint64_t MqttClient::connection_id() const { return impl_->conn_id; }
int MqttClient::send_window() const { return impl_->receive_max; }
std::size_t MqttClient::max_packet_size() const { return impl_->max_packet; }
bool MqttClient::connected() const { return impl_->phase == Impl::Phase::connected; }

bool MqttClient::publish(std::uint64_t conn, const Message& message, std::uint64_t token, PublishOutcome& outcome) {
  Impl& s = *impl_;
  if (conn == 0 || conn != s.conn_id || s.mosq == nullptr) return false;
  int mid = 0, rc = 0;
  if (!s.raw_publish(message, &mid, rc)) {
    if (rc == MOSQ_ERR_OVERSIZE_PACKET || rc == MOSQ_ERR_PAYLOAD_SIZE) {
      outcome.status = PublishStatus::refused;
      outcome.reason_code = 0x95;
      outcome.detail = "larger than the broker's Maximum Packet Size";
    } else if (rc == MOSQ_ERR_MALFORMED_UTF8 || rc == MOSQ_ERR_INVAL) {
      outcome.status = PublishStatus::refused;
      outcome.reason_code = 0x90;
      outcome.detail = "the topic is not a valid MQTT topic name";
    } else {
      outcome.status = PublishStatus::transient;
      outcome.detail = describe_mosquitto_error(rc, errno, {});
    }
    return false;
  }
  if (message.qos > 0) {
    s.tracked.emplace(mid, token);
  } else if (s.listener != nullptr) {
    // QoS 0 is done once written (libmosquitto may already have called back).
    std::weak_ptr<Impl> weak = impl_;
    s.loop.post([weak, token, conn] {
      auto i = weak.lock();
      if (i && i->conn_id == conn && i->listener != nullptr) i->listener->published(token, PublishOutcome{});
    });
  }
  return true;
}

bool MqttClient::publish(const Message& message) {
  Impl& s = *impl_;
  if (s.phase == Impl::Phase::connected && s.mosq != nullptr && s.buffered.empty()) return s.publish_untracked(message);
  if (s.buffered.size() + s.untracked.size() >= s.opts.max_buffered) return false;
  s.buffered.push_back(message);
  return true;
}

LinkStatus MqttClient::status() const {
  std::lock_guard<std::mutex> lock(impl_->status_m);
  return impl_->link;
}

}  // namespace edgebridge
