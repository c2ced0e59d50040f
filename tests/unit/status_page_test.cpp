// The status page's parts that need no browser: the embedded files, the
// outboxes' last hour for its chart, and the extra headers the page is sent with.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "observe/outbox_history.hpp"
#include "observe/status_page.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::system_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

OutboxCounters outbox(std::uint64_t depth, std::uint64_t acked) {
  OutboxCounters c;
  c.depth = depth;
  c.acked = acked;
  return c;
}

}  // namespace

TEST_CASE("the binary serves the page files of the repository, under 50 KB together", "[observe][page]") {
  const std::string dir = std::string(EDGEBRIDGE_SOURCE_DIR) + "/gateway/observe/";
  CHECK(std::string(status_page_html()) == read_file(dir + "status_page.html"));
  CHECK(std::string(status_page_script()) == read_file(dir + "status_page.js"));
  CHECK(status_page_html().size() + status_page_script().size() < 50 * 1024);
  // Nothing from elsewhere: the site may have no internet. (SVG's namespace is a name, not a fetch.)
  for (const auto page : {status_page_html(), status_page_script()}) {
    std::string text(page);
    const std::string svg_namespace = "http://www.w3.org/2000/svg";
    for (auto at = text.find(svg_namespace); at != std::string::npos; at = text.find(svg_namespace))
      text.erase(at, svg_namespace.size());
    CHECK(text.find("http://") == std::string::npos);
    CHECK(text.find("https://") == std::string::npos);
    CHECK(text.find("innerHTML") == std::string::npos);  // untrusted strings go through textContent
  }
}

TEST_CASE("the chart's history keeps one hour per remote and turns acknowledgements into a rate",
          "[observe][page][history]") {
  OutboxHistory history(3);
  const Clock::time_point t0(1'700'000'000s);
  history.sample(t0, {{"ops", outbox(0, 100)}});
  history.sample(t0 + 10s, {{"ops", outbox(5, 150)}, {"backup", outbox(1, 0)}});
  auto j = history.to_json(t0 + 12s);
  CHECK(j["interval_s"] == 10);
  CHECK(j["remotes"]["ops"]["t"] == nlohmann::json({1'700'000'000, 1'700'000'010}));
  CHECK(j["remotes"]["ops"]["depth"] == nlohmann::json({0, 5}));
  CHECK(j["remotes"]["ops"]["rate"][0].is_null());  // nothing to compare the first point with
  CHECK(j["remotes"]["ops"]["rate"][1] == 5.0);     // 50 acknowledged in 10 s
  CHECK(j["remotes"]["backup"]["depth"] == nlohmann::json({1}));

  // Bounded: the oldest point goes. A count that went back has no rate.
  history.sample(t0 + 20s, {{"ops", outbox(6, 160)}});
  history.sample(t0 + 30s, {{"ops", outbox(7, 10)}});
  CHECK(history.points("ops") == 3);
  j = history.to_json(t0 + 31s);
  CHECK(j["remotes"]["ops"]["depth"] == nlohmann::json({5, 6, 7}));
  CHECK(j["remotes"]["ops"]["rate"][1] == 1.0);
  CHECK(j["remotes"]["ops"]["rate"][2].is_null());
  // A remote no longer configured is forgotten.
  CHECK(history.points("backup") == 0);
  CHECK_FALSE(j["remotes"].contains("backup"));
}
