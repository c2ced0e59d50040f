// Load generator for tests/bench/bridge_bench: publishes --count messages of
// --size bytes on --topic to an MQTT broker (plain, or mutual TLS with
// --cafile/--cert/--key), each carrying its sequence number and send time
// (bridge_bench_payload.hpp). --rate 0 publishes as fast
// as the broker takes them, with at most --window messages unacknowledged
// (QoS 1) or unwritten (QoS 0); --rate N spaces them evenly at N per second.
// One thread: libmosquitto's own loop, no locks.
//
//   bridge_bench_pub --port 1883 --topic bench/x --count 100000 --size 100 --qos 1 [--rate 1000]
//                    [--cafile ca.pem --cert c.crt --key c.key]   (a mutual-TLS broker)
//
// Prints one JSON line: {"published":N,"acked":N,"seconds":S,"rate":R,"start_ns":T}
// (T: CLOCK_MONOTONIC just before the first publish, comparable with the
// subscriber's arrival times). Exit 1 if the broker went away before every
// message was acknowledged.

#include <mosquitto.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bridge_bench_payload.hpp"

namespace {

using namespace bridge_bench;

struct State {
  bool connected = false;
  int connect_rc = -1;
  std::uint64_t acked = 0;
};

void on_connect(mosquitto*, void* user, int rc) {
  auto* st = static_cast<State*>(user);
  st->connect_rc = rc;
  st->connected = rc == 0;
}

void on_publish(mosquitto*, void* user, int) { ++static_cast<State*>(user)->acked; }

void sleep_until_ns(std::uint64_t deadline) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(deadline / 1'000'000'000ULL);
  ts.tv_nsec = static_cast<long>(deadline % 1'000'000'000ULL);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string host = option(argc, argv, "--host", "127.0.0.1");
  const int port = static_cast<int>(number(argc, argv, "--port", 1883));
  const std::string topic = option(argc, argv, "--topic", "bench/x");
  const std::uint64_t count = number(argc, argv, "--count", 1000);
  const std::size_t size = std::max<std::size_t>(kHeaderBytes, number(argc, argv, "--size", 100));
  const int qos = static_cast<int>(number(argc, argv, "--qos", 1));
  const double rate = std::strtod(option(argc, argv, "--rate", "0").c_str(), nullptr);
  const std::uint64_t window = std::max<std::uint64_t>(1, number(argc, argv, "--window", 1000));
  const std::uint64_t first_seq = number(argc, argv, "--start-seq", 1);
  const std::string id = option(argc, argv, "--id", "bridge-bench-pub");
  const std::string cafile = option(argc, argv, "--cafile", "");
  const std::string cert = option(argc, argv, "--cert", "");
  const std::string key = option(argc, argv, "--key", "");

  mosquitto_lib_init();
  State st;
  mosquitto* mosq = mosquitto_new(id.c_str(), true, &st);
  if (mosq == nullptr) {
    std::fprintf(stderr, "bridge_bench_pub: mosquitto_new failed\n");
    return 2;
  }
  if (!cafile.empty()) {  // the TLS cloud broker: the measuring chain's ceiling, or bursts towards the edge
    int rc = mosquitto_tls_set(mosq, cafile.c_str(), nullptr, cert.empty() ? nullptr : cert.c_str(),
                               key.empty() ? nullptr : key.c_str(), nullptr);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(mosq, 1, "tlsv1.2", nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      std::fprintf(stderr, "bridge_bench_pub: TLS setup failed: %s\n", mosquitto_strerror(rc));
      return 2;
    }
  }
  // MQTT 3.1.1: the client's own in-flight limit (default 20) becomes the window.
  mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, static_cast<int>(std::min<std::uint64_t>(window, 65535)));
  mosquitto_connect_callback_set(mosq, on_connect);
  mosquitto_publish_callback_set(mosq, on_publish);
  if (mosquitto_connect(mosq, host.c_str(), port, 60) != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "bridge_bench_pub: cannot connect to %s:%d\n", host.c_str(), port);
    return 1;
  }
  const std::uint64_t connect_deadline = now_ns() + 10'000'000'000ULL;
  while (!st.connected) {
    if (mosquitto_loop(mosq, 100, 1) != MOSQ_ERR_SUCCESS || st.connect_rc > 0 || now_ns() > connect_deadline) {
      std::fprintf(stderr, "bridge_bench_pub: no CONNACK from %s:%d (rc=%d)\n", host.c_str(), port, st.connect_rc);
      return 1;
    }
  }

  std::vector<char> buf(size, 'x');
  std::uint64_t sent = 0;
  const std::uint64_t t0 = now_ns();
  const double interval_ns = rate > 0 ? 1e9 / rate : 0;
  while (st.acked < count) {
    std::uint64_t due = 0;
    while (sent < count && sent - st.acked < window) {
      if (rate > 0) {
        due = t0 + static_cast<std::uint64_t>(static_cast<double>(sent) * interval_ns);
        if (now_ns() < due) break;
      }
      write_header(buf.data(), first_seq + sent, now_ns());
      const int rc = mosquitto_publish(mosq, nullptr, topic.c_str(), static_cast<int>(size), buf.data(), qos, false);
      if (rc != MOSQ_ERR_SUCCESS) {
        std::fprintf(stderr, "bridge_bench_pub: publish failed: %s\n", mosquitto_strerror(rc));
        return 1;
      }
      ++sent;
    }
    const bool waiting_for_time = rate > 0 && sent < count && sent - st.acked < window;
    // Paced: handle what arrived without blocking, then sleep to the next due
    // time (no busy wait: the bridges under test share the machine's cores).
    const int rc = mosquitto_loop(mosq, waiting_for_time ? 0 : 100, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
      std::fprintf(stderr, "bridge_bench_pub: connection lost after %llu acknowledged: %s\n",
                   static_cast<unsigned long long>(st.acked), mosquitto_strerror(rc));
      return 1;
    }
    if (waiting_for_time && mosquitto_want_write(mosq) == false) {
      due = t0 + static_cast<std::uint64_t>(static_cast<double>(sent) * interval_ns);
      sleep_until_ns(std::min<std::uint64_t>(due, now_ns() + 1'000'000ULL));
    }
  }
  const double seconds = static_cast<double>(now_ns() - t0) / 1e9;
  std::printf("{\"published\":%llu,\"acked\":%llu,\"seconds\":%.6f,\"rate\":%.1f,\"start_ns\":%llu}\n",
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(st.acked), seconds,
              seconds > 0 ? static_cast<double>(st.acked) / seconds : 0.0, static_cast<unsigned long long>(t0));
  std::fflush(stdout);
  mosquitto_disconnect(mosq);
  mosquitto_loop(mosq, 100, 1);
  mosquitto_destroy(mosq);
  mosquitto_lib_cleanup();
  return 0;
}
