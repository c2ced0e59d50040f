// What the edge rules cost per message: throughput through 100 rules with
// WHERE clauses on a 200-byte JSON reading (plain comparisons, or CASE and
// string functions), and the latency they add to each
// message (the gateway calls RulesEngine::on_message() on the thread that
// ingests the message, after routing it). Reported as items_per_second and
// p50_us / p99_us / max_us counters.
//
//   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGEBRIDGE_BENCH=ON
//   cmake --build build/bench --target rules_bench && build/bench/tests/bench/rules_bench

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "loader/loader.hpp"
#include "rules/rule_config.hpp"
#include "rules/rules_engine.hpp"

namespace {

using namespace edgebridge;

class NullEffects final : public RuleEffects {
 public:
  Delivery publish_local(const std::string&, const Message&, std::string&) override { return Delivery::ok; }
  Delivery publish_remote(const std::string&, const Message&, std::string&) override { return Delivery::ok; }
  Delivery command(const std::string&, const std::string&, const nlohmann::json&, std::string&) override {
    return Delivery::ok;
  }
};

// A greenhouse reading of about 200 bytes.
Message reading() {
  Message m;
  m.topic = "sensors/greenhouse/lux1";
  m.payload = R"({"device":"lux1","lux":31250.5,"temperature":21.4,"humidity":55.2,"battery":3.71,)"
              R"("status":"ok","site":{"id":"greenhouse-1","zone":3},"readings":[31100,31180,31250],)"
              R"("ts":1700000000000,"fw":"1.4.2"})";
  m.qos = 1;
  return m;
}

// The WHERE of rule i: a mix of what rules test. None is true for reading(),
// so every rule evaluates its WHERE and none fires.
std::string where_clause(std::size_t i) {
  const std::string n = std::to_string(40000 + i);
  switch (i % 5) {
    case 0: return "lux > " + n;
    case 1: return "lux > " + n + " AND temperature < 30";
    case 2: return "site.zone = " + std::to_string(10 + i) + " OR status = 'alarm'";
    case 3: return "abs(temperature - 20) > " + std::to_string(5 + i) + " AND battery IS NOT NULL";
    default: return "readings[2] - readings[0] > " + n + " AND lower(status) <> 'ok'";
  }
}

// The WHERE of rule i for BM_RulesCaseAndStrings: CASE and string functions
// (one in five a regular expression). None is true for reading().
std::string case_and_strings_clause(std::size_t i) {
  const std::string n = std::to_string(40000 + i);
  switch (i % 5) {
    case 0: return "CASE status WHEN 'ok' THEN lux WHEN 'alarm' THEN 0 ELSE -1 END > " + n;
    case 1: return "startswith(lower(status), 'al') AND length(device) > " + std::to_string(i);
    case 2:
      return "CASE WHEN temperature > 30 THEN 'hot' WHEN temperature < 5 THEN 'cold' ELSE 'ok' END = 'hot' OR "
             "indexof(fw, '9.') >= 0";
    case 3:
      return "concat(upper(site.id), '/', substring(device, 0, 3)) = 'GREENHOUSE-" + std::to_string(i) +
             "/lux' OR trim(status) IN ['alarm', 'fault']";
    default: return "regexp_matches(fw, '^2[.]') OR replace(device, 'lux', 'l') = 'l" + std::to_string(i) + "'";
  }
}

// `count` rules, all on the reading's topic (`same_topic`) or each on its own
// sensor with only one of them on the reading's topic.
std::shared_ptr<const RulesConfig> make_rules(std::size_t count, bool same_topic,
                                              std::string (*where)(std::size_t) = where_clause) {
  std::string yaml = "rules:\n";
  for (std::size_t i = 0; i < count; ++i) {
    const std::string topic = same_topic || i == count / 2 ? "sensors/+/lux1" : "sensors/+/s" + std::to_string(i);
    yaml += "  - name: r" + std::to_string(i) + "\n";
    yaml += "    sql: \"SELECT lux, temperature, topic(2) AS house FROM '" + topic + "' WHERE " + where(i) + "\"\n";
    yaml += "    actions: [ { publish: { topic: \"alerts/${topic(2)}\" } } ]\n";
  }
  LoadOptions options;
  options.check_files = false;
  options.default_gateway_id = "bench";
  auto loaded = load_config_text(yaml, "bench.yaml", {}, options);
  if (!loaded.config) {
    std::fprintf(stderr, "%s", loaded.diagnostics.format_all().c_str());
    std::abort();
  }
  return loaded.config->rules;
}

void report_latency(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[std::min(micros.size() - 1, static_cast<std::size_t>(q * static_cast<double>(micros.size())))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["max_us"] = micros.back();
}

void run(benchmark::State& state, RulesEngine& engine) {
  const Message message = reading();
  std::vector<double> micros;
  micros.reserve(1 << 20);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    engine.on_message(Source::device("lux1"), message);
    const auto t1 = std::chrono::steady_clock::now();
    if (micros.size() < micros.capacity()) micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["payload_bytes"] = static_cast<double>(message.payload.size());
  report_latency(state, micros);
}

// Every rule's FROM matches: the payload is parsed once, every WHERE is evaluated.
void BM_RulesAllMatching(benchmark::State& state) {
  NullEffects effects;
  RulesEngine engine(make_rules(static_cast<std::size_t>(state.range(0)), true), effects, {});
  run(state, engine);
}

// As BM_RulesAllMatching, with WHEREs of CASE and string functions.
void BM_RulesCaseAndStrings(benchmark::State& state) {
  NullEffects effects;
  RulesEngine engine(make_rules(static_cast<std::size_t>(state.range(0)), true, case_and_strings_clause), effects, {});
  run(state, engine);
}

// Each rule watches its own sensor: the topic trie picks the one that matches.
void BM_RulesOneMatching(benchmark::State& state) {
  NullEffects effects;
  RulesEngine engine(make_rules(static_cast<std::size_t>(state.range(0)), false), effects, {});
  run(state, engine);
}

// As BM_RulesAllMatching, with `for: 15m` on every rule whose WHERE is made
// true, so each message continues 100 holds (mutex, and at most one SQLite
// write per rule per second into a real state file).
void BM_RulesAllHolding(benchmark::State& state) {
  NullEffects effects;
  char path[] = "/tmp/edgebridge-rules-bench-XXXXXX";
  const int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  {
    std::string yaml = "rules:\n";
    const auto count = static_cast<std::size_t>(state.range(0));
    for (std::size_t i = 0; i < count; ++i) {
      yaml += "  - name: h" + std::to_string(i) + "\n";
      yaml += "    sql: \"SELECT lux FROM 'sensors/+/lux1' WHERE lux > " + std::to_string(i) + " AND status = 'ok'\"\n";
      yaml += "    for: 15m\n    actions: [ { publish: { topic: alerts/x } } ]\n";
    }
    LoadOptions options;
    options.check_files = false;
    options.default_gateway_id = "bench";
    auto loaded = load_config_text(yaml, "bench.yaml", {}, options);
    RulesEngine::Options engine_options;
    engine_options.state_path = path;
    RulesEngine engine(loaded.config->rules, effects, engine_options);
    run(state, engine);
  }
  std::remove(path);
  std::remove((std::string(path) + "-wal").c_str());
  std::remove((std::string(path) + "-shm").c_str());
}

// For comparison: parsing the payload alone (the engine does it once per message).
void BM_PayloadParseOnly(benchmark::State& state) {
  const Message message = reading();
  for (auto _ : state) {
    auto j = nlohmann::json::parse(message.payload, nullptr, false);
    benchmark::DoNotOptimize(j);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(BM_RulesAllMatching)->Arg(1)->Arg(10)->Arg(100)->UseRealTime();
BENCHMARK(BM_RulesCaseAndStrings)->Arg(100)->UseRealTime();
BENCHMARK(BM_RulesOneMatching)->Arg(100)->Arg(1000)->UseRealTime();
BENCHMARK(BM_RulesAllHolding)->Arg(100)->UseRealTime();
BENCHMARK(BM_PayloadParseOnly);

BENCHMARK_MAIN();
