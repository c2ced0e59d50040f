// `gateway.metrics: host:port`: where the metrics/health endpoint listens.
#include <arpa/inet.h>

#include <cstdlib>

#include "config/config.hpp"

namespace edgebridge {

std::optional<ListenAddress> parse_listen_address(const std::string& text, std::string& why) {
  const std::string help = "write host:port with an IP address, e.g. 127.0.0.1:9810 ([::1]:9810 for IPv6), "
                           "or false to turn the endpoint off";
  std::string host;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      why = "\"" + text + "\" is not an address; " + help;
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      why = "\"" + text + "\" is not an address (no port, or an IPv6 address without brackets); " + help;
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) {
    why = "\"" + text + "\" has no host; " + help + " (0.0.0.0:PORT listens on every interface)";
    return std::nullopt;
  }
  if (host == "localhost") host = "127.0.0.1";
  in_addr v4{};
  in6_addr v6{};
  const bool bracketed = text.front() == '[';
  if ((bracketed && ::inet_pton(AF_INET6, host.c_str(), &v6) != 1) ||
      (!bracketed && ::inet_pton(AF_INET, host.c_str(), &v4) != 1)) {
    why = "\"" + host + "\" is not an IP address; " + help;
    return std::nullopt;
  }
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 1 || port > 65535) {
    why = "\"" + port_text + "\" is not a port number (1-65535); " + help;
    return std::nullopt;
  }
  return ListenAddress{host, static_cast<int>(port)};
}

std::string ListenAddress::text() const {
  return (ipv6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace edgebridge
