// gateway.metrics, health_grace, stats_interval, stats_topic: defaults, good
// values, and bad ones reported with line:column.
#include <catch2/catch.hpp>

#include "catalog/catalog.hpp"
#include "loader/loader.hpp"

using namespace edgebridge;

namespace {

LoadResult load_gateway_section(const std::string& gateway_lines) {
  LoadOptions options;
  options.default_gateway_id = "unit-gw";
  options.check_files = false;
  const std::string yaml = "gateway:\n" + gateway_lines +
                           "remotes:\n  ops:\n    url: mqtts://example.com\n    tls: { ca_file: /etc/ssl/ca.pem }\n";
  return load_config_text(yaml, "bridge.yaml", device_catalog(), options);
}

}  // namespace

TEST_CASE("without settings the metrics endpoint listens on loopback port 9810", "[config][observe]") {
  auto r = load_gateway_section("  id: gw1\n");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const auto& g = r.config->gateway;
  REQUIRE(g.metrics);
  CHECK(g.metrics->text() == "127.0.0.1:9810");
  CHECK(g.health_grace == Duration(120'000));
  CHECK(g.stats_interval == Duration(60'000));
  CHECK(g.stats_topic == "edgebridge/gw1/stats");
}

TEST_CASE("metrics: false turns the endpoint off; other addresses are kept", "[config][observe]") {
  SECTION("false") {
    auto r = load_gateway_section("  metrics: false\n");
    REQUIRE(r.config);
    CHECK_FALSE(r.config->gateway.metrics);
  }
  SECTION("every interface") {
    auto r = load_gateway_section("  metrics: 0.0.0.0:9100\n");
    REQUIRE(r.config);
    CHECK(r.config->gateway.metrics->host == "0.0.0.0");
    CHECK(r.config->gateway.metrics->port == 9100);
  }
  SECTION("IPv6 loopback") {
    auto r = load_gateway_section("  metrics: \"[::1]:9810\"\n");
    REQUIRE(r.config);
    CHECK(r.config->gateway.metrics->host == "::1");
    CHECK(r.config->gateway.metrics->text() == "[::1]:9810");
  }
  SECTION("localhost means 127.0.0.1") {
    auto r = load_gateway_section("  metrics: localhost:9811\n");
    REQUIRE(r.config);
    CHECK(r.config->gateway.metrics->text() == "127.0.0.1:9811");
  }
  SECTION("stats off, a short grace and an own topic") {
    auto r = load_gateway_section("  stats_interval: 0s\n  health_grace: 2s\n  stats_topic: site1/gw/stats\n");
    INFO(r.diagnostics.format_all());
    REQUIRE(r.config);
    CHECK(r.config->gateway.stats_interval == Duration(0));
    CHECK(r.config->gateway.health_grace == Duration(2000));
    CHECK(r.config->gateway.stats_topic == "site1/gw/stats");
  }
}

TEST_CASE("a bad metrics address, interval or topic is an error at its line and column", "[config][observe]") {
  struct Case {
    const char* line;
    const char* expected;
  };
  const Case cases[] = {
      {"  metrics: 9810\n",
       "bridge.yaml:2:12: error: gateway.metrics: \"9810\" is not an address (no port, or an IPv6 address without "
       "brackets); write host:port"},
      {"  metrics: :9810\n", "bridge.yaml:2:12: error: gateway.metrics: \":9810\" has no host"},
      {"  metrics: metrics.example.com:9810\n",
       "bridge.yaml:2:12: error: gateway.metrics: \"metrics.example.com\" is not an IP address"},
      {"  metrics: 127.0.0.1:98100\n",
       "bridge.yaml:2:12: error: gateway.metrics: \"98100\" is not a port number (1-65535)"},
      {"  metrics: \"::1:9810\"\n", "bridge.yaml:2:12: error: gateway.metrics: \"::1:9810\" is not an address"},
      {"  stats_interval: 500ms\n",
       "bridge.yaml:2:19: error: gateway.stats_interval: must be at least 1s, or 0s to publish no stats"},
      {"  health_grace: soon\n", "bridge.yaml:2:17: error: gateway.health_grace: \"soon\""},
      {"  stats_topic: stats/#\n", "bridge.yaml:2:16: error: gateway.stats_topic:"},
      {"  metrix: false\n", "bridge.yaml:2:3: error: gateway: unknown key \"metrix\"; did you mean \"metrics\"?"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.line) {
      auto r = load_gateway_section(c.line);
      const std::string out = r.diagnostics.format_all();
      INFO(out);
      CHECK_FALSE(r.config);
      CHECK(r.diagnostics.error_count() == 1);
      CHECK(out.find(c.expected) != std::string::npos);
    }
  }
}

TEST_CASE("listen addresses", "[config][observe]") {
  std::string why;
  CHECK(parse_listen_address("127.0.0.1:1", why)->port == 1);
  CHECK(parse_listen_address("[::]:9810", why)->host == "::");
  CHECK_FALSE(parse_listen_address("127.0.0.1:", why));
  CHECK_FALSE(parse_listen_address("127.0.0.1:x", why));
  CHECK_FALSE(parse_listen_address("[::1]", why));
  CHECK_FALSE(parse_listen_address("[::1:9810", why));
  CHECK_FALSE(parse_listen_address("[127.0.0.1]:9810", why));
  CHECK_FALSE(parse_listen_address("", why));
}
