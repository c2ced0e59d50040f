#include "observe/observability.hpp"

#include <spdlog/spdlog.h>

#include "core/json_text.hpp"
#include "observe/gateway_view.hpp"
#include "observe/metrics_text.hpp"
#include "observe/stats_json.hpp"
#include "observe/status_page.hpp"

namespace edgebridge {
namespace {

constexpr std::chrono::milliseconds kSampleEvery{500};
constexpr std::chrono::seconds kRebindEvery{30};
constexpr std::chrono::seconds kFirstStatsAfter{5};

// The page may run only its own script (/status.js) and talk only to this server.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

Observability::Observability(GatewayView& gateway)
    : gateway_(gateway),
      started_at_(std::chrono::system_clock::now()),
      health_(gateway.config().gateway.health_grace, started_at_),
      dead_letters_(gateway.config().gateway.state_dir + "/outbox.db"),
      server_([this](const std::string& path) { return handle(path); }) {}

Observability::~Observability() { stop(); }

void Observability::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Observability::stop() {
  stopping_ = true;
  server_.wake();
  if (thread_.joinable()) thread_.join();
}

GatewaySnapshot Observability::snapshot() {
  GatewaySnapshot s = take_snapshot(gateway_, started_at_);
  std::vector<std::pair<std::string, LinkStatus>> links;
  for (const auto& r : s.remotes) links.emplace_back(r.name, r.link);
  s.health = health_.observe(links, s.taken_at);
  dead_letters_.fill(s, std::chrono::steady_clock::now());
  return s;
}

HttpResponse Observability::handle(const std::string& path) {
  if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", render_metrics(snapshot())};
  if (path == "/healthz") {
    const HealthVerdict verdict = snapshot().health;
    return {verdict.healthy ? 200 : 503, "text/plain; charset=utf-8", verdict.text};
  }
  if (path == "/stats") return {200, "application/json", dump_json(stats_json(snapshot())) + "\n"};
  if (path == "/history")
    return {200, "application/json", dump_json(history_.to_json(std::chrono::system_clock::now())) + "\n"};
  if (path == "/" || path == "/index.html")
    return {200, "text/html; charset=utf-8", std::string(status_page_html()), {{"Content-Security-Policy", kPagePolicy}}};
  if (path == "/status.js") return {200, "text/javascript; charset=utf-8", std::string(status_page_script())};
  return {404, "text/plain; charset=utf-8", "not found; try /, /metrics, /healthz, /stats or /history\n"};
}

void Observability::publish_stats() {
  const GatewaySettings& settings = gateway_.config().gateway;
  Message m;
  m.topic = settings.stats_topic;
  m.payload = dump_json(stats_json(snapshot()));
  m.qos = 1;
  m.retain = true;
  m.received_at = std::chrono::system_clock::now();
  if (!gateway_.publish_to_local_broker(m))
    spdlog::debug("Stats not published; the local broker session did not take them. topic={}", m.topic);
}

void Observability::run() {
  const GatewaySettings& settings = gateway_.config().gateway;
  using Steady = std::chrono::steady_clock;
  auto next_bind = Steady::now();
  bool bind_error_logged = false;
  const bool stats_on = settings.stats_interval.count() > 0;
  auto next_stats = Steady::now() + std::min<Steady::duration>(settings.stats_interval, kFirstStatsAfter);
  auto next_sample = Steady::now();
  auto next_history = Steady::now();
  while (!stopping_) {
    const auto now = Steady::now();
    if (settings.metrics && !server_.listening() && now >= next_bind) {
      std::string why;
      if (server_.listen(*settings.metrics, why)) {
        spdlog::info("Serving metrics. address=http://{}/metrics", settings.metrics->text());
      } else if (!bind_error_logged) {
        spdlog::error("Cannot serve metrics; the gateway runs on without /metrics and /healthz, retrying every {}s. "
                      "address={} error=\"{}\"",
                      kRebindEvery.count(), settings.metrics->text(), why);
        bind_error_logged = true;
      }
      next_bind = now + kRebindEvery;
    }
    if (now >= next_sample) {
      health_.observe(gateway_.remote_status(), std::chrono::system_clock::now());  // keeps its view fresh
      next_sample = now + kSampleEvery;
    }
    if (now >= next_history) {
      history_.sample(std::chrono::system_clock::now(), gateway_.outbox_counters());
      next_history = now + OutboxHistory::kSampleEvery;
    }
    if (stats_on && now >= next_stats) {
      publish_stats();
      next_stats = now + settings.stats_interval;
    }
    auto wake_at = std::min(next_sample, next_history);
    if (stats_on) wake_at = std::min(wake_at, next_stats);
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - Steady::now());
    server_.poll_once(std::max(std::chrono::milliseconds(0), wait));
  }
}

}  // namespace edgebridge
