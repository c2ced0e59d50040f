// Cost of turning one serial line into a reading, per parser, and of framing a
// byte stream into lines. A 115200-baud port delivers about 11,500 bytes/s
// (~150 NMEA sentences/s): compare with the lines/s printed here.
//
//   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGEBRIDGE_BENCH=ON
//   cmake --build build-release --target line_parser_bench && build-release/tests/bench/line_parser_bench

#include <benchmark/benchmark.h>

#include <string>

#include "serial_line/line_framer.hpp"
#include "serial_line/line_parser.hpp"

namespace {

using namespace edgebridge;
using namespace edgebridge::serial_line;

void run(benchmark::State& state, const LineParser& parser, const std::string& line) {
  for (auto _ : state) {
    LineResult r = parser.parse(line);
    benchmark::DoNotOptimize(r);
    if (r.kind != LineResult::Kind::reading) state.SkipWithError("the line did not parse");
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_nmea_gga(benchmark::State& state) {
  static const auto p = make_nmea_parser({"GGA", "RMC"}, true);
  run(state, *p, "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47");
}

void BM_nmea_rmc(benchmark::State& state) {
  static const auto p = make_nmea_parser({"GGA", "RMC"}, true);
  run(state, *p, "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A");
}

void BM_csv_5_columns(benchmark::State& state) {
  static const auto p = make_csv_parser({{"station", FieldType::string},
                                         {"temperature", FieldType::number},
                                         {"humidity", FieldType::integer},
                                         {"pressure", FieldType::number},
                                         {"raining", FieldType::boolean}},
                                        ',');
  run(state, *p, "north,21.5,40,1013.25,no");
}

void BM_regex_2_groups(benchmark::State& state) {
  static std::string why;
  static const auto p = make_regex_parser(R"(^T=(?<temperature>-?\d+\.\d)C H=(?<humidity>\d+)%$)",
                                          {{"humidity", FieldType::integer}}, why);
  run(state, *p, "T=-4.5C H=81%");
}

void BM_json_object(benchmark::State& state) {
  static const auto p = make_json_parser();
  run(state, *p, R"({"weight":12.5,"unit":"kg","stable":true,"tare":0.0})");
}

void BM_framer_crlf(benchmark::State& state) {
  std::string chunk;
  for (int i = 0; i < 64; ++i) chunk += "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n";
  LineFramer framer("\r\n", 1024);
  std::size_t lines = 0;
  for (auto _ : state) framer.feed(chunk.data(), chunk.size(), [&](const LineFramer::Event&) { ++lines; });
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(chunk.size()));
  benchmark::DoNotOptimize(lines);
}

BENCHMARK(BM_nmea_gga);
BENCHMARK(BM_nmea_rmc);
BENCHMARK(BM_csv_5_columns);
BENCHMARK(BM_regex_2_groups);
BENCHMARK(BM_json_object);
BENCHMARK(BM_framer_crlf);

}  // namespace

BENCHMARK_MAIN();
