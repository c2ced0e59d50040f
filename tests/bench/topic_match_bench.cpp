// Cost of routing one message as the number of mappings grows. The trie makes
// 10,000 mappings cost about what 10 do; the linear scan shows what it saves.
//
//   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGEBRIDGE_BENCH=ON
//   cmake --build build-release --target topic_match_bench && build-release/tests/bench/topic_match_bench

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "routing/router.hpp"
#include "routing/topic_trie.hpp"

namespace {

using namespace edgebridge;

// Half `site/<n>/+/temperature` (out to the cloud under gw1/), half `dev/<n>/#` (both ways).
std::vector<TopicMapping> make_mappings(std::size_t count) {
  std::vector<TopicMapping> mappings;
  for (std::size_t i = 0; i < count; ++i) {
    TopicMapping m;
    m.index = i;
    m.remotes = {"ops"};
    m.qos = 1;
    if (i % 2 == 0) {
      m.pattern = "site/" + std::to_string(i) + "/+/temperature";
      m.direction = Direction::out;
      m.remote_prefix = "gw1/";
    } else {
      m.pattern = "dev/" + std::to_string(i) + "/#";
      m.direction = Direction::both;
    }
    mappings.push_back(std::move(m));
  }
  return mappings;
}

Message reading(std::string topic) {
  Message m;
  m.topic = std::move(topic);
  m.payload = R"({"temperature":21.5})";
  m.qos = 1;
  return m;
}

// A site in the middle of the table, so a linear scan would have to look far.
std::string middle_site(std::size_t count) { return std::to_string((count / 2) & ~std::size_t{1}); }

void BM_RouteMatchingOut(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const Router router(make_mappings(count), {});
  const Message message = reading("site/" + middle_site(count) + "/room1/temperature");
  for (auto _ : state) {
    auto routes = router.route(Source::local(), message);
    if (routes.size() != 1) state.SkipWithError("expected one route");
    benchmark::DoNotOptimize(routes);
  }
}

void BM_RouteNoMatch(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const Router router(make_mappings(count), {});
  const Message message = reading("site/unknown/room1/temperature");
  for (auto _ : state) {
    auto routes = router.route(Source::local(), message);
    if (!routes.empty()) state.SkipWithError("expected no route");
    benchmark::DoNotOptimize(routes);
  }
}

void BM_RouteFromRemoteIn(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const Router router(make_mappings(count), {});
  const Message message = reading("dev/" + std::to_string(count / 2 | 1) + "/shade/set");
  for (auto _ : state) {
    auto routes = router.route(Source::remote("ops"), message);
    if (routes.size() != 1) state.SkipWithError("expected one route");
    benchmark::DoNotOptimize(routes);
  }
}

// Baseline only: what matching costs without the trie (every filter tried in turn).
void BM_LinearScanBaseline(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<std::string> filters;
  for (const auto& m : make_mappings(count)) filters.push_back(m.local_filter());
  const std::string topic = "site/" + middle_site(count) + "/room1/temperature";
  for (auto _ : state) {
    std::size_t matched = 0;
    for (const auto& f : filters) if (topic_matches(f, topic)) ++matched;
    benchmark::DoNotOptimize(matched);
  }
}

}  // namespace

BENCHMARK(BM_RouteMatchingOut)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_RouteNoMatch)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_RouteFromRemoteIn)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_LinearScanBaseline)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

BENCHMARK_MAIN();
