#include "mqtt/connect_job.hpp"

#include <mqtt_protocol.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mqtt/mosquitto_words.hpp"
#include "mqtt/tls_context.hpp"

namespace edgebridge {

namespace {

std::atomic<std::size_t> g_live_clients{0};

void on_log(mosquitto*, void* userdata, int level, const char* text) {
  if ((level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) == 0 || text == nullptr) return;
  static_cast<LogSink*>(userdata)->last_error = text;
}

void run(ConnectJob& job, ConnectRequest& r) {
  job.mosq = mosquitto_new(r.client_id.c_str(), r.clean_start, static_cast<LogSink*>(&job.log));
  if (job.mosq == nullptr) {
    job.rc = MOSQ_ERR_NOMEM;
    job.error = "cannot create an MQTT client (out of memory?)";
    return;
  }
  ++g_live_clients;
  mosquitto* m = job.mosq;
  mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, r.mqtt5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
  if (r.receive_maximum > 0) mosquitto_int_option(m, MOSQ_OPT_RECEIVE_MAXIMUM, r.receive_maximum);
  mosquitto_log_callback_set(m, on_log);
  if (r.configure) r.configure(m);
  if (r.username) mosquitto_username_pw_set(m, r.username->c_str(), r.password ? r.password->c_str() : nullptr);
  if (!r.will_topic.empty())
    mosquitto_will_set_v5(m, r.will_topic.c_str(), 7, "offline", 1, true, nullptr);
  if (r.tls) {
    std::string why;
    SslCtxPtr ctx = make_client_tls_context(*r.tls, r.host, why);
    if (!ctx) {
      job.rc = MOSQ_ERR_TLS;
      job.error = why;
      return;
    }
    SSL_CTX_set_read_ahead(ctx.get(), 1);
    mosquitto_int_option(m, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    mosquitto_void_option(m, MOSQ_OPT_SSL_CTX, ctx.get());  // libmosquitto takes its own reference
  }
  if (r.mqtt5 && !r.clean_start && r.session_expiry_s > 0) {
    // libmosquitto 2.0 takes CONNECT properties only in its blocking
    // mosquitto_connect_bind_v5(). That call stores them in the client before
    // it checks its arguments, and mosquitto_connect_async() sends what is
    // stored: an invalid port stores them without connecting.
    mosquitto_property* props = nullptr;
    mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, r.session_expiry_s);
    mosquitto_connect_bind_v5(m, r.host.c_str(), -1, r.keepalive_s, nullptr, props);
    mosquitto_property_free_all(&props);
  }
  errno = 0;
  job.rc = mosquitto_connect_async(m, r.host.c_str(), r.port, r.keepalive_s);
  job.saved_errno = errno;
  if (job.rc != MOSQ_ERR_SUCCESS) {
    job.error = describe_mosquitto_error(job.rc, job.saved_errno, job.log.last_error);
    if (job.rc == MOSQ_ERR_EAI) job.error = "cannot resolve host \"" + r.host + "\"";
    job.unreachable = job.rc == MOSQ_ERR_EAI || (job.rc == MOSQ_ERR_ERRNO && unreachable_errno(job.saved_errno));
  }
}

}  // namespace

void destroy_client(mosquitto* m) {
  if (m == nullptr) return;
  mosquitto_destroy(m);
  --g_live_clients;
}

std::size_t live_clients() { return g_live_clients.load(); }

bool unreachable_errno(int e) {
  return e == ECONNREFUSED || e == ENETUNREACH || e == EHOSTUNREACH || e == ETIMEDOUT || e == EHOSTDOWN ||
         e == ENETDOWN;
}

std::shared_ptr<ConnectJob> start_connect(ConnectRequest request,
                                          std::function<bool(const std::shared_ptr<ConnectJob>&)> done) {
  auto job = std::make_shared<ConnectJob>();
  job->thread = std::thread([job, r = std::move(request), done = std::move(done)]() mutable {
    run(*job, r);
    const bool taken = !job->abandoned.load() && done(job);
    if (!taken && job->mosq != nullptr) {
      destroy_client(job->mosq);
      job->mosq = nullptr;
    }
  });
  return job;
}

bool tcp_reachable(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return false;
  bool reachable = false;
  for (addrinfo* a = found; a != nullptr && !reachable; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
      }
    }
    reachable = rc == 0;
    ::close(fd);
  }
  freeaddrinfo(found);
  return reachable;
}

}  // namespace edgebridge
