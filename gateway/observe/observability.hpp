#pragma once
// Watching a running gateway: one thread that
//  - serves GET / (the status page, with /status.js), /metrics (Prometheus
//    text), /healthz (200 or 503, in words), /stats (JSON) and /history (the
//    outboxes' last hour, JSON) on gateway.metrics (default 127.0.0.1:9810;
//    off with `metrics: false`),
//  - samples the remotes' state for /healthz (gateway.health_grace) and the
//    outboxes' depth and forwarded count for /history (every 10 s),
//  - reads the newest dead letters from the outbox database when their
//    counts changed (observe/recent_dead_letters.hpp), never on the event loop,
//  - publishes the stats JSON, retained, to gateway.stats_topic on the local
//    broker every gateway.stats_interval, and once shortly after start.
// If the address cannot be bound, it logs an error and the gateway runs on
// without the endpoint; it tries to bind again every 30 s.

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "observe/health.hpp"
#include "observe/http_server.hpp"
#include "observe/outbox_history.hpp"
#include "observe/recent_dead_letters.hpp"
#include "observe/snapshot.hpp"

namespace edgebridge {

class GatewayView;

class Observability {
 public:
  explicit Observability(GatewayView& gateway);
  ~Observability();
  Observability(const Observability&) = delete;
  Observability& operator=(const Observability&) = delete;

  void start();
  void stop();  // before Gateway::stop()

 private:
  void run();
  HttpResponse handle(const std::string& path);
  GatewaySnapshot snapshot();
  void publish_stats();

  GatewayView& gateway_;
  std::chrono::system_clock::time_point started_at_;
  HealthTracker health_;
  OutboxHistory history_;               // observer thread only
  RecentDeadLetters dead_letters_;      // observer thread only
  HttpServer server_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace edgebridge
