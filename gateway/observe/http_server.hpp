#pragma once
// A tiny HTTP/1.0 server for the status page, /metrics, /healthz and /stats: no dependencies,
// one thread (the caller's), poll() on non-blocking sockets.
//
//  - Answers GET (and HEAD) only: 405 for other methods, 404 for unknown paths
//    (the handler decides), 400 for a request it cannot read, 431 for one
//    larger than 8 KiB. Every connection is closed after one response.
//  - At most 32 connections at once (more are closed at once); a connection
//    that has not sent its request or taken its answer within 5 s is closed.
//  - Nothing here blocks: a slow or silent client costs a socket, never the gateway.

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace edgebridge {

struct HttpResponse {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  HttpResponse() = default;
  HttpResponse(int status_code, std::string type, std::string text, Headers more = {})
      : status(status_code), content_type(std::move(type)), body(std::move(text)), headers(std::move(more)) {}

  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  Headers headers;  // more header lines (name, value)
};

class HttpServer {
 public:
  // Called with the path (query string removed) of a GET/HEAD request.
  using Handler = std::function<HttpResponse(const std::string& path)>;

  explicit HttpServer(Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. False with `why` when the address cannot be bound.
  bool listen(const ListenAddress& address, std::string& why);
  bool listening() const { return listen_fd_ >= 0; }
  // The port bound (useful after listening on port 0); 0 when not listening.
  int bound_port() const;
  // Waits up to `timeout` for socket events (or wake()) and serves what is ready.
  void poll_once(std::chrono::milliseconds timeout);
  // Makes a poll_once() in another thread return now. Thread-safe.
  void wake();

 private:
  struct Connection {
    int fd = -1;
    std::string in;
    std::string out;
    std::size_t sent = 0;
    bool answered = false;
    std::chrono::steady_clock::time_point deadline;
  };
  void accept_all();
  void read_from(Connection& c);
  void write_to(Connection& c);
  void answer(Connection& c, int status, const HttpResponse& response, bool head);

  Handler handler_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd
  std::vector<Connection> connections_;
};

const char* http_reason(int status);

}  // namespace edgebridge
