#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "catalog/catalog.hpp"
#include "loader/loader.hpp"

using namespace edgebridge;

namespace {

LoadResult load(const std::string& yaml, LoadOptions options = {}) {
  options.default_gateway_id = options.default_gateway_id.empty() ? "unit-gw" : options.default_gateway_id;
  options.check_files = false;
  return load_config_text(yaml, "bridge.yaml", device_catalog(), options);
}

std::string temp_file(const std::string& content, mode_t mode) {
  char name[] = "/tmp/edgebridge-secret-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
  chmod(name, mode);
  return name;
}

}  // namespace

TEST_CASE("a minimal configuration gets every documented default", "[config]") {
  auto r = load(R"(
remotes:
  ops:
    url: mqtts://example.com
    tls: { ca_file: /etc/ssl/ca.pem }
topics:
  - { pattern: "sensors/#" }
)");
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  const Config& c = *r.config;
  CHECK(c.gateway.id == "unit-gw");
  CHECK(c.gateway.state_dir == "/var/lib/edgebridge");
  CHECK(c.gateway.status_topic == "edgebridge/unit-gw/status");
  CHECK(c.gateway.durability == Durability::normal);
  CHECK(c.local.url.text() == "mqtt://127.0.0.1:1883");
  CHECK(c.local.client_id == "edgebridge-unit-gw");
  REQUIRE(c.remotes.size() == 1);
  const RemoteConfig& ops = c.remotes[0];
  CHECK(ops.url.port == 8883);
  CHECK(ops.client_id == "unit-gw");
  CHECK(ops.keepalive == Duration(30'000));
  CHECK(ops.max_publish_rate.unlimited());
  CHECK(ops.inflight == 64);
  CHECK(ops.outbox.max_messages == 1'000'000);
  CHECK(ops.outbox.max_bytes == 512ull * 1024 * 1024);
  CHECK(ops.outbox.overflow == Overflow::drop_oldest);
  CHECK(ops.outbox.ttl == Duration(7LL * 24 * 3600 * 1000));
  CHECK(ops.tls.verify_hostname);
  REQUIRE(c.topics.size() == 1);
  CHECK(c.topics[0].direction == Direction::out);
  CHECK(c.topics[0].qos == 1);
  CHECK(c.topics[0].remotes == std::vector<std::string>{"ops"});
}

TEST_CASE("an AWS IoT Core endpoint is paced at its 100 publishes per second by default", "[config]") {
  auto r = load(R"(
remotes:
  aws:
    url: mqtts://abc123-ats.iot.eu-central-1.amazonaws.com:8883
    tls: { ca_file: /etc/ssl/ca.pem }
  lab:
    url: mqtts://broker.lan
    tls: { ca_file: /etc/ssl/ca.pem }
    client_id: other
)");
  REQUIRE(r.config);
  CHECK(r.config->remotes[0].max_publish_rate.per_second == Approx(100));
  CHECK(r.config->remotes[1].max_publish_rate.unlimited());
}

TEST_CASE("environment variables are substituted, with fallbacks and $$ for a dollar", "[config]") {
  LoadOptions options;
  options.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "THING") return "greenhouse-7";
    return std::nullopt;
  };
  auto r = load(R"(
gateway: { id: "${THING}" }
remotes:
  ops:
    url: "mqtts://${HOST:-fallback.example.com}:8883"
    username: "price$$5"
    tls: { ca_file: /etc/ssl/ca.pem }
)",
                options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  CHECK(r.config->gateway.id == "greenhouse-7");
  CHECK(r.config->remotes[0].url.host == "fallback.example.com");
  CHECK(r.config->remotes[0].client_id == "greenhouse-7");
  CHECK(r.config->remotes[0].username == std::string("price$5"));
}

TEST_CASE("a password comes from a file that only its owner can read", "[config]") {
  const std::string good = temp_file("s3cret\n", 0600);
  const std::string open_to_all = temp_file("s3cret\n", 0644);
  auto ok = load("local: { username: gw, password_file: " + good + " }\n");
  REQUIRE(ok.config);
  CHECK(ok.config->local.password == std::string("s3cret"));

  auto refused = load("local: { username: gw, password_file: " + open_to_all + " }\n");
  CHECK_FALSE(refused.config);
  CHECK(refused.diagnostics.format_all().find("is readable by every user") != std::string::npos);

  auto both = load("local: { password: x, password_file: " + good + " }\n");
  CHECK_FALSE(both.config);
  CHECK(both.diagnostics.format_all().find("not both") != std::string::npos);
  std::remove(good.c_str());
  std::remove(open_to_all.c_str());
}

TEST_CASE("relative file paths are relative to bridge.yaml's directory", "[config]") {
  auto r = load_config_text(R"(
remotes:
  ops:
    url: mqtts://example.com
    tls: { ca_file: certs/ca.pem, cert_file: /abs/c.pem, key_file: k.pem }
)",
                            "/etc/edgebridge/bridge.yaml", device_catalog(),
                            [] {
                              LoadOptions o;
                              o.check_files = false;
                              o.default_gateway_id = "x";
                              return o;
                            }());
  REQUIRE(r.config);
  CHECK(r.config->remotes[0].tls.ca_file == "/etc/edgebridge/certs/ca.pem");
  CHECK(r.config->remotes[0].tls.cert_file == "/abs/c.pem");
  CHECK(r.config->remotes[0].tls.key_file == "/etc/edgebridge/k.pem");
}

TEST_CASE("every error in a file is reported at once, in file order", "[config]") {
  auto r = load(R"(
gateway: { id: "bad id", colour: blue }
remotes:
  ops: { url: "ftp://example.com" }
topics:
  - { pattern: "a/#", qos: 2 }
)");
  CHECK_FALSE(r.config);
  CHECK(r.diagnostics.error_count() == 4);
  const std::string out = r.diagnostics.format_all();
  CHECK(out.find("bridge.yaml:2:16: error: gateway.id") < out.find("bridge.yaml:2:26: error: gateway: unknown key"));
  CHECK(out.find("unsupported scheme \"ftp\"") != std::string::npos);
  CHECK(out.find("topics[0].qos: 2 is out of range") != std::string::npos);
}

TEST_CASE("broker URLs", "[config]") {
  std::string why;
  CHECK(parse_url("mqtt://127.0.0.1", why)->port == 1883);
  CHECK(parse_url("mqtts://h.example.com", why)->port == 8883);
  CHECK(parse_url("mqtts://h.example.com:443", why)->text() == "mqtts://h.example.com:443");
  CHECK(parse_url("tcp://[::1]:1884", why)->text() == "mqtt://[::1]:1884");
  CHECK_FALSE(parse_url("h.example.com:8883", why));
  CHECK_FALSE(parse_url("mqtt://user:pw@h:1883", why));
  CHECK_FALSE(parse_url("mqtt://h:99999", why));
}
