#include "observe/http_client.hpp"
#include "core/text.hpp"
#include "observe/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace edgebridge {
namespace {

constexpr std::size_t kMaxResponse = 16 * 1024 * 1024;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

ListenAddress connect_address(const ListenAddress& listen) {
  ListenAddress a = listen;
  if (a.host == "0.0.0.0") a.host = "127.0.0.1";
  if (a.host == "::") a.host = "::1";
  return a;
}

std::optional<HttpResult> http_get(const ListenAddress& listen, const std::string& path,
                                   std::chrono::milliseconds timeout, std::string& why) {
  const ListenAddress address = connect_address(listen);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  sockaddr_storage storage{};
  const socklen_t length = to_sockaddr(address, storage);
  const int family = socket_family(address);
  Fd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    why = errno_text(errno);
    return std::nullopt;
  }
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    if (errno != EINPROGRESS) {
      why = errno_text(errno);
      return std::nullopt;
    }
    if (!wait_for(fd.get(), POLLOUT, deadline)) {
      why = "no answer within " + std::to_string(timeout.count()) + " ms";
      return std::nullopt;
    }
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
      why = errno_text(error);
      return std::nullopt;
    }
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + address.text() + "\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd.get(), POLLOUT, deadline)) {
        why = "timed out sending the request";
        return std::nullopt;
      }
    } else {
      why = errno_text(errno);
      return std::nullopt;
    }
  }
  std::string response;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n > 0) {
      response.append(buffer, static_cast<std::size_t>(n));
      if (response.size() > kMaxResponse) {
        why = "the answer is larger than 16 MiB";
        return std::nullopt;
      }
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_for(fd.get(), POLLIN, deadline)) {
        why = "no complete answer within " + std::to_string(timeout.count()) + " ms";
        return std::nullopt;
      }
    } else {
      why = errno_text(errno);
      return std::nullopt;
    }
  }
  // "HTTP/1.0 200 OK\r\n...\r\n\r\nbody"
  if (response.compare(0, 5, "HTTP/") != 0 || response.find(' ') == std::string::npos) {
    why = "the answer is not HTTP (is something else listening on " + address.text() + "?)";
    return std::nullopt;
  }
  HttpResult result;
  const char* status = response.c_str() + response.find(' ') + 1;
  if (std::from_chars(status, response.c_str() + response.size(), result.status).ec != std::errc()) {
    why = "the answer has no HTTP status code (is something else listening on " + address.text() + "?)";
    return std::nullopt;
  }
  auto body = response.find("\r\n\r\n");
  result.body = body == std::string::npos ? std::string() : response.substr(body + 4);
  return result;
}

}  // namespace edgebridge
