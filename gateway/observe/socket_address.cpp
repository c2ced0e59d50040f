#include "observe/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

namespace edgebridge {

socklen_t to_sockaddr(const ListenAddress& address, sockaddr_storage& storage) {
  storage = sockaddr_storage{};
  const auto port = htons(static_cast<std::uint16_t>(address.port));
  if (address.ipv6()) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = port;
    ::inet_pton(AF_INET6, address.host.c_str(), &a->sin6_addr);
    return sizeof *a;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&storage);
  a->sin_family = AF_INET;
  a->sin_port = port;
  ::inet_pton(AF_INET, address.host.c_str(), &a->sin_addr);
  return sizeof *a;
}

}  // namespace edgebridge
