// The metrics endpoint's HTTP server and the client `edgebridge status` uses,
// over a real loopback socket.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "observe/http_client.hpp"
#include "observe/http_server.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;

namespace {

struct RunningServer {
  HttpServer server{[](const std::string& path) -> HttpResponse {
    if (path == "/metrics") return {200, "text/plain", "edgebridge_up 1\n"};
    if (path == "/healthz") return {503, "text/plain", "unhealthy\n"};
    if (path == "/page") return {200, "text/html", "<p>hi</p>", {{"Content-Security-Policy", "default-src 'none'"}}};
    return {404, "text/plain", "not found\n"};
  }};
  std::atomic<bool> stop{false};
  std::thread thread;
  ListenAddress address;

  RunningServer() {
    std::string why;
    REQUIRE(server.listen({"127.0.0.1", 0}, why));
    address = {"127.0.0.1", server.bound_port()};
    thread = std::thread([this] {
      while (!stop) server.poll_once(1000ms);
    });
  }
  ~RunningServer() {
    stop = true;
    server.wake();
    thread.join();
  }
};

std::string raw_exchange(const ListenAddress& address, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(address.port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  [[maybe_unused]] auto n = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buffer[1024];
  ssize_t got = 0;
  while ((got = ::recv(fd, buffer, sizeof buffer, 0)) > 0) out.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("the metrics server answers GET with the handler's status and body", "[observe][http]") {
  RunningServer s;
  std::string why;
  auto metrics = http_get(s.address, "/metrics?x=1", 3000ms, why);
  INFO(why);
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->body == "edgebridge_up 1\n");
  auto health = http_get(s.address, "/healthz", 3000ms, why);
  REQUIRE(health);
  CHECK(health->status == 503);
  CHECK(http_get(s.address, "/nothing", 3000ms, why)->status == 404);
}

TEST_CASE("the metrics server refuses other methods, garbage and oversized requests", "[observe][http]") {
  RunningServer s;
  CHECK(raw_exchange(s.address, "POST /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 405 ", 0) == 0);
  CHECK(raw_exchange(s.address, "hello\r\n\r\n").rfind("HTTP/1.0 400 ", 0) == 0);
  CHECK(raw_exchange(s.address, "GET /metrics HTTP/1.0\r\nX: " + std::string(10000, 'a')).rfind("HTTP/1.0 431 ", 0) == 0);
  const std::string head = raw_exchange(s.address, "HEAD /metrics HTTP/1.1\nHost: x\n\n");
  CHECK(head.rfind("HTTP/1.0 200 ", 0) == 0);
  CHECK(head.find("edgebridge_up") == std::string::npos);
  CHECK(head.find("Content-Length: 16\r\n") != std::string::npos);
}

TEST_CASE("a handler's extra headers go out, and no answer may be sniffed as another type", "[observe][http]") {
  RunningServer s;
  const std::string page = raw_exchange(s.address, "GET /page HTTP/1.0\r\n\r\n");
  CHECK(page.find("Content-Type: text/html\r\n") != std::string::npos);
  CHECK(page.find("Content-Security-Policy: default-src 'none'\r\n") != std::string::npos);
  CHECK(page.find("X-Content-Type-Options: nosniff\r\n") != std::string::npos);
  CHECK(page.find("\r\n\r\n<p>hi</p>") != std::string::npos);
  const std::string post = raw_exchange(s.address, "POST /page HTTP/1.0\r\n\r\n");
  CHECK(post.rfind("HTTP/1.0 405 ", 0) == 0);
  CHECK(post.find("<p>hi</p>") == std::string::npos);
}

TEST_CASE("a silent client does not keep others from being served", "[observe][http]") {
  RunningServer s;
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(s.address.port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(silent, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::string why;
  auto metrics = http_get(s.address, "/metrics", 3000ms, why);
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  ::close(silent);
}

TEST_CASE("asking where nothing listens fails with a reason", "[observe][http]") {
  std::string why;
  int port = 0;
  {
    HttpServer closed([](const std::string&) { return HttpResponse{}; });
    REQUIRE(closed.listen({"127.0.0.1", 0}, why));
    port = closed.bound_port();
  }
  CHECK_FALSE(http_get({"127.0.0.1", port}, "/healthz", 1000ms, why));
  CHECK(why.find("refused") != std::string::npos);
  CHECK(connect_address({"0.0.0.0", 9810}).host == "127.0.0.1");
  CHECK(connect_address({"::", 9810}).host == "::1");
}
