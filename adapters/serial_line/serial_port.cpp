#include "serial_port.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "core/text.hpp"

namespace edgebridge {
namespace {

speed_t speed_of(int baud) {
  switch (baud) {
    case 300: return B300;
    case 600: return B600;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return B9600;
  }
}

tcflag_t size_of(int bits) {
  switch (bits) {
    case 5: return CS5;
    case 6: return CS6;
    case 7: return CS7;
    default: return CS8;
  }
}

}  // namespace

SerialPort::~SerialPort() { close(); }

void SerialPort::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool SerialPort::open(const std::string& path, const SerialSettings& s, std::string& why) {
  close();
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    why = errno_text(errno);
    if (errno == EACCES) why += " (add the edgebridge user to the dialout group)";
    return false;
  }
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    why = std::string("not a serial port: ") + errno_text(errno);
    ::close(fd);
    return false;
  }
  ::cfmakeraw(&tio);
  tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  tio.c_cflag |= size_of(s.data_bits) | CLOCAL | CREAD;
  if (s.parity != 'N') tio.c_cflag |= PARENB;
  if (s.parity == 'O') tio.c_cflag |= PARODD;
  if (s.stop_bits == 2) tio.c_cflag |= CSTOPB;
  tio.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
  if (s.parity != 'N') tio.c_iflag |= INPCK;
  // VMIN 1 with O_NONBLOCK: "no data" is EAGAIN, not a read of 0 bytes.
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, speed_of(s.baud));
  ::cfsetospeed(&tio, speed_of(s.baud));
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    why = std::string("cannot apply ") + s.text() + ": " + errno_text(errno);
    ::close(fd);
    return false;
  }
  ::ioctl(fd, TIOCEXCL);  // no second reader interleaving with us; best effort
  ::tcflush(fd, TCIFLUSH);  // what was buffered before we opened is stale
  fd_ = fd;
  return true;
}

SerialPort::Read SerialPort::read_some(std::string& out, std::string& why) {
  if (fd_ < 0) {
    why = "not open";
    return Read::gone;
  }
  char buf[4096];
  const ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n > 0) {
    out.assign(buf, static_cast<std::size_t>(n));
    return Read::data;
  }
  // 0 bytes: nothing now (a hang-up shows as POLLHUP, which the caller checks).
  if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Read::none;
  why = errno_text(errno);
  return Read::gone;
}

bool SerialPort::write_all(const std::string& data, Duration timeout, std::string& why) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        why = "the port did not take the data within " + format_duration(timeout);
        return false;
      }
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
      continue;
    }
    why = errno_text(errno);
    return false;
  }
  return true;
}

}  // namespace edgebridge
