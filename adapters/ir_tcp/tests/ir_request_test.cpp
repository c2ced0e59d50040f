// Command payloads for IR devices and the time rules (ttl, min_interval, hold).
#include <catch2/catch.hpp>

#include "ir_tcp/ir_request.hpp"

using namespace edgebridge;
using namespace edgebridge::ir_tcp;
using namespace std::chrono_literals;

namespace {

Message message(const std::string& payload, SystemTime received = SystemTime(std::chrono::hours(480000))) {
  Message m;
  m.topic = "cmd/greenhouse/shade";
  m.payload = payload;
  m.received_at = received;
  return m;
}

std::optional<IrRequest> parse(const std::string& payload, IrRefusal& refusal) {
  nlohmann::json id;
  return parse_ir_payload(message(payload), refusal, id);
}

IrTcpSettings shade_settings() {
  IrTcpSettings s;
  std::string why;
  s.codes["open"] = *parse_sendir("sendir,1:1,1,38000,1,1,343,171", why);
  s.codes["close"] = *parse_sendir("sendir,1:1,1,38000,1,1,343,172", why);
  s.codes["stop"] = *parse_sendir("sendir,1:1,1,38000,1,1,343,173", why);
  s.ttl = 60s;
  return s;
}

}  // namespace

TEST_CASE("a plain code name is a command", "[ir][payload]") {
  IrRefusal refusal;
  auto r = parse("  close\n", refusal);
  REQUIRE(r);
  CHECK(r->code == "close");
  CHECK(r->repeat == 0);
  CHECK_FALSE(r->force);
  CHECK(r->issued_at == message("").received_at);  // no ts: the time it reached the gateway
}

TEST_CASE("a JSON command carries repeat, force, ts and an id to echo", "[ir][payload]") {
  IrRefusal refusal;
  nlohmann::json id;
  auto r = parse_ir_payload(message(
                                R"({"code":"open","repeat":2,"force":true,"ts":"2024-05-01T12:00:00Z","id":"req-7"})"),
                            refusal, id);
  REQUIRE(r);
  CHECK(r->code == "open");
  CHECK(r->repeat == 2);
  CHECK(r->force);
  CHECK(r->issued_at == *parse_rfc3339("2024-05-01T12:00:00Z"));
  CHECK(r->request_id == "req-7");
  auto s = parse(R"("open")", refusal);
  REQUIRE(s);
  CHECK(s->code == "open");
}

TEST_CASE("malformed command payloads are refused with a reason", "[ir][payload]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"close the shade", "not a code name"},
      {"{\"code\":\"close\"", "not valid JSON"},
      {"[1,2]", "JSON object"},
      {"{\"repeat\":2}", "needs \"code\""},
      {"{\"code\":\"close\",\"repeat\":0}", "1 to 50"},
      {"{\"code\":\"close\",\"repeat\":51}", "1 to 50"},
      {"{\"code\":\"close\",\"repeat\":\"2\"}", "1 to 50"},
      {"{\"code\":\"close\",\"force\":\"yes\"}", "true or false"},
      {"{\"code\":\"close\",\"ts\":\"yesterday\"}", "RFC 3339"},
      {"{\"code\":\"close\",\"ts\":1714564800}", "epoch milliseconds"},
      {"{\"code\":\"close\",\"forse\":true}", "unknown key"},
  };
  for (const auto& [payload, expected] : cases) {
    INFO(payload);
    IrRefusal refusal;
    CHECK_FALSE(parse(payload, refusal));
    CHECK(refusal.error == "bad_payload");
    CHECK_THAT(refusal.message, Catch::Contains(expected));
  }
}

TEST_CASE("an unknown code is refused and the known ones are listed", "[ir][payload]") {
  auto s = shade_settings();
  IrRequest r;
  r.code = "half";
  auto refusal = check_code(r, s);
  REQUIRE(refusal);
  CHECK(refusal->error == "unknown_code");
  CHECK_THAT(refusal->message, Catch::Contains("close, open, stop"));
  r.code = "open";
  CHECK_FALSE(check_code(r, s));
}

TEST_CASE("rule arguments give repeat and force", "[ir][payload]") {
  IrRefusal refusal;
  auto r = ir_request_from_args("close", {{"repeat", 3}}, SystemTime(), refusal);
  REQUIRE(r);
  CHECK(r->repeat == 3);
  CHECK_FALSE(ir_request_from_args("close", {{"speed", 3}}, SystemTime(), refusal));
  CHECK_THAT(refusal.message, Catch::Contains("unknown argument"));
}

TEST_CASE("a command older than its ttl is dropped", "[ir][safety]") {
  auto s = shade_settings();
  IrSafety safety(s);
  IrRequest r;
  r.code = "close";
  const SystemTime wall = SystemTime(std::chrono::hours(480000));
  const auto steady = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  r.issued_at = wall - 59s;
  CHECK_FALSE(safety.check(r, wall, steady));
  r.issued_at = wall - 61s;
  auto refusal = safety.check(r, wall, steady);
  REQUIRE(refusal);
  CHECK(refusal->error == "expired");
  CHECK_THAT(refusal->message, Catch::Contains("issued 1m1s ago") && Catch::Contains("ttl of 1m"));
}

TEST_CASE("min_interval refuses any command until it has passed, and says how long is left", "[ir][safety]") {
  auto s = shade_settings();
  s.min_interval = 15min;
  IrSafety safety(s);
  const SystemTime wall = SystemTime(std::chrono::hours(480000));
  const auto t0 = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  IrRequest r;
  r.code = "close";
  r.issued_at = wall;
  CHECK_FALSE(safety.check(r, wall, t0));
  safety.record_played("close", t0);
  r.code = "open";
  r.force = true;  // force does not override min_interval
  auto refusal = safety.check(r, wall, t0 + 3min + 12s);
  REQUIRE(refusal);
  CHECK(refusal->error == "min_interval");
  CHECK(refusal->retry_after == Duration(11min + 48s));
  CHECK_THAT(refusal->message, Catch::Contains("try again in 11m48s"));
  CHECK_FALSE(safety.check(r, wall, t0 + 15min));
}

TEST_CASE("hold ignores the opposite command within the window unless forced", "[ir][safety]") {
  auto s = shade_settings();
  s.hold = 10min;
  IrSafety safety(s);
  const SystemTime wall = SystemTime(std::chrono::hours(480000));
  const auto t0 = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  safety.record_played("close", t0);
  IrRequest r;
  r.issued_at = wall;
  r.code = "open";
  auto refusal = safety.check(r, wall, t0 + 1min);
  REQUIRE(refusal);
  CHECK(refusal->error == "hold");
  CHECK_THAT(refusal->message, Catch::Contains("\"open\" undoes \"close\"") && Catch::Contains("force"));
  r.code = "close";  // the same again is not an opposite
  CHECK_FALSE(safety.check(r, wall, t0 + 1min));
  r.code = "stop";  // not paired with close
  CHECK_FALSE(safety.check(r, wall, t0 + 1min));
  r.code = "open";
  r.force = true;
  CHECK_FALSE(safety.check(r, wall, t0 + 1min));
  r.force = false;
  CHECK_FALSE(safety.check(r, wall, t0 + 10min));
}

TEST_CASE("opposites are configurable pairs and work both ways", "[ir][safety]") {
  IrTcpSettings s;
  s.opposites = {{"heat", "cool"}};
  CHECK(s.opposite("heat", "cool"));
  CHECK(s.opposite("cool", "heat"));
  CHECK_FALSE(s.opposite("open", "close"));
  IrTcpSettings defaults;
  CHECK(defaults.opposite("close", "open"));
  CHECK(defaults.opposite("on", "off"));
}
