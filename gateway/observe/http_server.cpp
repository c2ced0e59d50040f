#include "observe/http_server.hpp"
#include "core/text.hpp"
#include "observe/socket_address.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace edgebridge {
namespace {

constexpr std::size_t kMaxRequest = 8192;
constexpr std::size_t kMaxConnections = 32;
constexpr std::chrono::seconds kConnectionTimeout{5};


}  // namespace

const char* http_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

HttpServer::HttpServer(Handler handler) : handler_(std::move(handler)) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

HttpServer::~HttpServer() {
  for (auto& c : connections_) ::close(c.fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool HttpServer::listen(const ListenAddress& address, std::string& why) {
  sockaddr_storage storage{};
  const socklen_t length = to_sockaddr(address, storage);
  const int family = socket_family(address);
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    why = errno_text(errno);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || ::listen(fd, 16) != 0) {
    why = errno_text(errno);
    ::close(fd);
    return false;
  }
  listen_fd_ = fd;
  return true;
}

int HttpServer::bound_port() const {
  if (listen_fd_ < 0) return 0;
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
  if (storage.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

void HttpServer::wake() {
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  }
}

void HttpServer::poll_once(std::chrono::milliseconds timeout) {
  std::vector<pollfd> fds;
  fds.push_back({wake_fd_, POLLIN, 0});
  if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
  const std::size_t first_connection = fds.size();
  const auto now = std::chrono::steady_clock::now();
  for (const auto& c : connections_) {
    fds.push_back({c.fd, static_cast<short>(c.answered ? POLLOUT : POLLIN), 0});
    timeout = std::min(timeout, std::max(std::chrono::milliseconds(0),
                                         std::chrono::duration_cast<std::chrono::milliseconds>(c.deadline - now)));
  }
  const int ready = ::poll(fds.data(), static_cast<nfds_t>(fds.size()), static_cast<int>(timeout.count()));
  if (ready < 0) return;  // EINTR: the caller loops
  if (fds[0].revents & POLLIN) {
    std::uint64_t drained = 0;
    [[maybe_unused]] const auto n = ::read(wake_fd_, &drained, sizeof drained);
  }
  for (std::size_t i = first_connection; i < fds.size(); ++i) {
    Connection& c = connections_[i - first_connection];
    if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL) && !(fds[i].revents & POLLIN)) {
      ::close(c.fd);
      c.fd = -1;
      continue;
    }
    if (!c.answered && (fds[i].revents & POLLIN)) read_from(c);
    if (c.fd >= 0 && c.answered && (fds[i].revents & POLLOUT)) write_to(c);
  }
  const auto later = std::chrono::steady_clock::now();
  for (auto& c : connections_) {
    if (c.fd >= 0 && later >= c.deadline) {
      ::close(c.fd);
      c.fd = -1;
    }
  }
  connections_.erase(std::remove_if(connections_.begin(), connections_.end(), [](const Connection& c) { return c.fd < 0; }),
                     connections_.end());
  if (listen_fd_ >= 0 && fds[1].revents & POLLIN) accept_all();
}

void HttpServer::accept_all() {
  while (true) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an error that the next poll reports again
    if (connections_.size() >= kMaxConnections) {
      ::close(fd);
      continue;
    }
    Connection c;
    c.fd = fd;
    c.deadline = std::chrono::steady_clock::now() + kConnectionTimeout;
    connections_.push_back(std::move(c));
  }
}

void HttpServer::read_from(Connection& c) {
  char buffer[2048];
  while (true) {
    const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      c.in.append(buffer, static_cast<std::size_t>(n));
      if (c.in.size() > kMaxRequest) {
        answer(c, 431, {431, "text/plain; charset=utf-8", "request too large\n"}, false);
        return;
      }
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      if (c.in.find("\n\n") == std::string::npos && c.in.find("\r\n\r\n") == std::string::npos) {
        ::close(c.fd);  // gone before a whole request
        c.fd = -1;
        return;
      }
    }
    break;
  }
  const auto end = std::min(c.in.find("\r\n\r\n"), c.in.find("\n\n"));
  if (end == std::string::npos) return;  // wait for the rest
  const std::string line = c.in.substr(0, c.in.find_first_of("\r\n"));
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos || line.compare(sp2 + 1, 5, "HTTP/") != 0) {
    answer(c, 400, {400, "text/plain; charset=utf-8", "bad request\n"}, false);
    return;
  }
  const std::string method = line.substr(0, sp1);
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
  if (method != "GET" && method != "HEAD") {
    answer(c, 405, {405, "text/plain; charset=utf-8", "only GET is served here\n"}, false);
    return;
  }
  const HttpResponse response = handler_(path);
  answer(c, response.status, response, method == "HEAD");
}

void HttpServer::answer(Connection& c, int status, const HttpResponse& response, bool head) {
  c.out = "HTTP/1.0 " + std::to_string(status) + " " + http_reason(status) + "\r\n";
  c.out += "Content-Type: " + response.content_type + "\r\n";
  c.out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (status == 405) c.out += "Allow: GET, HEAD\r\n";
  for (const auto& [name, value] : response.headers) c.out += name + ": " + value + "\r\n";
  c.out += "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!head) c.out += response.body;
  c.answered = true;
  c.sent = 0;
  write_to(c);
}

void HttpServer::write_to(Connection& c) {
  while (c.sent < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;  // POLLOUT later
    break;  // the client went away
  }
  ::shutdown(c.fd, SHUT_WR);
  ::close(c.fd);
  c.fd = -1;
}

}  // namespace edgebridge
