// Measuring subscriber for tests/bench/bridge_bench: subscribes to --topic on a
// broker (mutual TLS with --cafile/--cert/--key, else plain) and records, for
// each sequence number 1..--count, when it first arrived; counts duplicates
// and first deliveries out of order, and the latency publish -> arrival from
// the send time in the payload (same machine, CLOCK_MONOTONIC). One thread: libmosquitto's own loop.
//
//   bridge_bench_sub --port 8883 --cafile ca.pem --cert c.crt --key c.key --topic bench/x --count 100000
//                    [--persistent --id NAME] [--idle 10] [--timeout 300] [--late 5]
//
// Prints "ready" once subscribed, then, when every message arrived (or nothing
// new came for --idle seconds after the first, or --timeout passed), one JSON
// line with the figures (times in ns of CLOCK_MONOTONIC: first_ns and last_ns
// of any arrival, last_new_ns of the last first delivery; late: first deliveries
// more than --late seconds after the first arrival, so that with a long --idle a
// stall shows as late, not lost). With --persistent the session survives a broker
// restart (clean session off, reconnects every 100 ms).

#include <mosquitto.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bridge_bench_payload.hpp"

namespace {

using namespace bridge_bench;

struct State {
  std::string topic;
  int qos = 1;
  std::uint64_t count = 0;
  bool ready = false;
  bool subscribed_once = false;
  std::vector<std::uint64_t> first_arrival;  // by seq; 0 = not yet
  std::vector<std::uint64_t> latency_ns;     // of first deliveries
  std::uint64_t received = 0, distinct = 0, duplicates = 0, out_of_order = 0, foreign = 0;
  std::uint64_t highest_first = 0;
  std::uint64_t first_ns = 0, last_ns = 0, last_new_ns = 0;
  std::uint64_t late_ns = 0, late = 0;  // first deliveries more than late_ns after first_ns
};

void on_connect(mosquitto* mosq, void* user, int rc) {
  auto* st = static_cast<State*>(user);
  if (rc != 0) return;
  mosquitto_subscribe(mosq, nullptr, st->topic.c_str(), st->qos);
}

void on_subscribe(mosquitto*, void* user, int, int, const int*) {
  auto* st = static_cast<State*>(user);
  if (!st->subscribed_once) {
    st->subscribed_once = true;
    std::printf("ready\n");
    std::fflush(stdout);
  }
  st->ready = true;
}

void on_message(mosquitto*, void* user, const mosquitto_message* m) {
  auto* st = static_cast<State*>(user);
  const std::uint64_t now = now_ns();
  std::uint64_t seq = 0, sent = 0;
  ++st->received;
  if (!read_header(m->payload, static_cast<std::size_t>(m->payloadlen), seq, sent) || seq == 0 || seq > st->count) {
    ++st->foreign;
    return;
  }
  if (st->first_ns == 0) st->first_ns = now;
  st->last_ns = now;
  if (st->first_arrival[seq] != 0) {
    ++st->duplicates;
    return;
  }
  st->first_arrival[seq] = now;
  ++st->distinct;
  st->last_new_ns = now;
  if (now - st->first_ns > st->late_ns) ++st->late;
  if (seq < st->highest_first) ++st->out_of_order;
  st->highest_first = std::max(st->highest_first, seq);
  st->latency_ns.push_back(now > sent ? now - sent : 0);
}

double percentile_ms(std::vector<std::uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(i, sorted.size() - 1)]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  State st;
  st.topic = option(argc, argv, "--topic", "bench/#");
  st.qos = static_cast<int>(number(argc, argv, "--qos", 1));
  st.count = number(argc, argv, "--count", 1000);
  st.first_arrival.assign(st.count + 1, 0);
  st.latency_ns.reserve(st.count);
  const std::string host = option(argc, argv, "--host", "127.0.0.1");
  const int port = static_cast<int>(number(argc, argv, "--port", 8883));
  const std::string cafile = option(argc, argv, "--cafile", "");
  const std::string cert = option(argc, argv, "--cert", "");
  const std::string key = option(argc, argv, "--key", "");
  const bool persistent = flag(argc, argv, "--persistent");
  const std::string id = option(argc, argv, "--id", "bridge-bench-sub");
  const std::uint64_t idle_ns = number(argc, argv, "--idle", 10) * 1'000'000'000ULL;
  const std::uint64_t timeout_ns = number(argc, argv, "--timeout", 300) * 1'000'000'000ULL;
  st.late_ns = number(argc, argv, "--late", 5) * 1'000'000'000ULL;

  mosquitto_lib_init();
  mosquitto* mosq = mosquitto_new(id.c_str(), !persistent, &st);
  if (mosq == nullptr) {
    std::fprintf(stderr, "bridge_bench_sub: mosquitto_new failed\n");
    return 2;
  }
  if (!cafile.empty()) {
    int rc = mosquitto_tls_set(mosq, cafile.c_str(), nullptr, cert.empty() ? nullptr : cert.c_str(),
                               key.empty() ? nullptr : key.c_str(), nullptr);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(mosq, 1, "tlsv1.2", nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      std::fprintf(stderr, "bridge_bench_sub: TLS setup failed: %s\n", mosquitto_strerror(rc));
      return 2;
    }
  }
  mosquitto_connect_callback_set(mosq, on_connect);
  mosquitto_subscribe_callback_set(mosq, on_subscribe);
  mosquitto_message_callback_set(mosq, on_message);

  const std::uint64_t start = now_ns();
  bool connected = mosquitto_connect(mosq, host.c_str(), port, 60) == MOSQ_ERR_SUCCESS;
  while (st.distinct < st.count) {
    const std::uint64_t now = now_ns();
    if (now - start > timeout_ns) break;
    if (st.last_new_ns != 0 && now - st.last_new_ns > idle_ns) break;
    if (!st.subscribed_once && now - start > 10'000'000'000ULL) {
      std::fprintf(stderr, "bridge_bench_sub: not subscribed after 10 s on %s:%d\n", host.c_str(), port);
      return 1;
    }
    if (!connected) {
      usleep(100'000);
      connected = mosquitto_reconnect(mosq) == MOSQ_ERR_SUCCESS;
      continue;
    }
    if (mosquitto_loop(mosq, 100, 1) != MOSQ_ERR_SUCCESS) connected = false;
  }

  std::sort(st.latency_ns.begin(), st.latency_ns.end());
  const double seconds = st.last_ns > st.first_ns ? static_cast<double>(st.last_ns - st.first_ns) / 1e9 : 0.0;
  std::printf(
      "{\"expected\":%llu,\"received\":%llu,\"distinct\":%llu,\"duplicates\":%llu,\"lost\":%llu,"
      "\"out_of_order\":%llu,\"late\":%llu,\"foreign\":%llu,\"first_ns\":%llu,\"last_ns\":%llu,\"last_new_ns\":%llu,"
      "\"seconds\":%.6f,"
      "\"rate\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
      static_cast<unsigned long long>(st.count), static_cast<unsigned long long>(st.received),
      static_cast<unsigned long long>(st.distinct), static_cast<unsigned long long>(st.duplicates),
      static_cast<unsigned long long>(st.count - st.distinct), static_cast<unsigned long long>(st.out_of_order),
      static_cast<unsigned long long>(st.late), static_cast<unsigned long long>(st.foreign),
      static_cast<unsigned long long>(st.first_ns), static_cast<unsigned long long>(st.last_ns),
      static_cast<unsigned long long>(st.last_new_ns), seconds,
      seconds > 0 ? static_cast<double>(st.distinct) / seconds : 0.0, percentile_ms(st.latency_ns, 0.50),
      percentile_ms(st.latency_ns, 0.90), percentile_ms(st.latency_ns, 0.99), percentile_ms(st.latency_ns, 1.0));
  std::fflush(stdout);
  if (connected) {
    mosquitto_disconnect(mosq);
    mosquitto_loop(mosq, 100, 1);
  }
  mosquitto_destroy(mosq);
  mosquitto_lib_cleanup();
  return 0;
}
