#pragma once
// A ListenAddress as the socket API wants it, for the server and the client.
#include <sys/socket.h>

#include "config/config.hpp"

namespace edgebridge {

// Fills `storage` with the IPv4 or IPv6 address and port; returns its length.
socklen_t to_sockaddr(const ListenAddress& address, sockaddr_storage& storage);
inline int socket_family(const ListenAddress& address) { return address.ipv6() ? AF_INET6 : AF_INET; }

}  // namespace edgebridge
