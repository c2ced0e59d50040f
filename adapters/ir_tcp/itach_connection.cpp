#include "itach_connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/text.hpp"

namespace edgebridge {
namespace {

int millis_until(ItachConnection::Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - ItachConnection::Clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<long long>(left.count(), 60'000));
}

}  // namespace

ItachConnection::ItachConnection(const Waker* waker, std::function<bool()> stopping)
    : waker_(waker), stopping_(std::move(stopping)) {}

ItachConnection::~ItachConnection() { close(); }

void ItachConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
  lines_.clear();
}

bool ItachConnection::connect(const std::string& host, int port, Duration timeout, std::string& why) {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    why = std::string("cannot resolve host: ") + ::gai_strerror(rc);
    return false;
  }
  const auto deadline = Clock::now() + timeout;
  why = "no address";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = errno_text(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno != EINPROGRESS) {
      why = errno_text(errno);
      ::close(fd);
      continue;
    }
    bool connected = rc == 0;
    while (!connected) {
      pollfd fds[2] = {{fd, POLLOUT, 0}, {waker_ ? waker_->fd() : -1, POLLIN, 0}};
      int n = ::poll(fds, waker_ ? 2 : 1, millis_until(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (waker_ && n > 0 && (fds[1].revents & POLLIN)) {
        if (stopping_ && stopping_()) {
          why = "stopping";
          break;
        }
        waker_->clear();
        continue;
      }
      if (n == 0) {
        why = "no answer within " + format_duration(timeout);
        break;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        why = errno_text(err);
        break;
      }
      connected = true;
    }
    if (!connected) {
      ::close(fd);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    fd_ = fd;
    break;
  }
  ::freeaddrinfo(found);
  return fd_ >= 0;
}

bool ItachConnection::send_line(const std::string& line, bool& delivered_nothing, std::string& why) {
  delivered_nothing = true;
  if (fd_ < 0) {
    why = "not connected";
    return false;
  }
  const std::string data = line + "\r";
  std::size_t sent = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      delivered_nothing = false;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, millis_until(deadline)) > 0) continue;
      why = "the iTach does not take data (send buffer full for 5s)";
    } else {
      why = errno_text(errno);
    }
    close();
    return false;
  }
  return true;
}

void ItachConnection::split_lines() {
  std::size_t start = 0;
  for (std::size_t i = 0; i < buffer_.size(); ++i) {
    if (buffer_[i] == '\r' || buffer_[i] == '\n') {
      if (i > start) lines_.push_back(buffer_.substr(start, i - start));
      start = i + 1;
    }
  }
  buffer_.erase(0, start);
  if (buffer_.size() > kMaxReplyLine) {  // garbage without a line end: keep the tail only
    lines_.push_back(buffer_.substr(0, kMaxReplyLine));
    buffer_.clear();
  }
}

ItachConnection::Wait ItachConnection::fill(Clock::time_point deadline, std::string& why) {
  while (true) {
    if (fd_ < 0) {
      why = "not connected";
      return Wait::closed;
    }
    pollfd fds[2] = {{fd_, POLLIN, 0}, {waker_ ? waker_->fd() : -1, POLLIN, 0}};
    int n = ::poll(fds, waker_ ? 2 : 1, millis_until(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = errno_text(errno);
      close();
      return Wait::closed;
    }
    if (waker_ && (fds[1].revents & POLLIN)) {
      if (stopping_ && stopping_()) return Wait::stopped;
      waker_->clear();
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    }
    if (n == 0) return Wait::timeout;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[1024];
      ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got > 0) {
        buffer_.append(buf, static_cast<std::size_t>(got));
        split_lines();
        return Wait::line;  // maybe only a partial line; the caller loops
      }
      if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      why = got == 0 ? "the iTach closed the connection" : errno_text(errno);
      close();
      return Wait::closed;
    }
  }
}

ItachConnection::Wait ItachConnection::next_line(std::string& line, Clock::time_point deadline, std::string& why) {
  while (lines_.empty()) {
    Wait w = fill(deadline, why);
    if (w != Wait::line) return w;
  }
  line = std::move(lines_.front());
  lines_.pop_front();
  return Wait::line;
}

bool ItachConnection::pause(Duration d) {
  const auto deadline = Clock::now() + d;
  while (true) {
    const int ms = millis_until(deadline);
    if (ms <= 0) return true;
    pollfd p{waker_ ? waker_->fd() : -1, POLLIN, 0};
    int n = ::poll(&p, waker_ ? 1 : 0, ms);
    if (n > 0) {
      if (stopping_ && stopping_()) return false;
      waker_->clear();
    }
  }
}

}  // namespace edgebridge
