#pragma once
// GET on the gateway's own metrics endpoint, for `edgebridge status` and
// `edgebridge health`. Blocking, with one deadline for the whole exchange.

#include <chrono>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace edgebridge {

struct HttpResult {
  int status = 0;
  std::string body;
};

// 0.0.0.0 and :: (listen on every interface) are asked on the loopback address.
ListenAddress connect_address(const ListenAddress& listen);

// nullopt with `why` when nothing answered in time or the answer was not HTTP.
std::optional<HttpResult> http_get(const ListenAddress& address, const std::string& path,
                                   std::chrono::milliseconds timeout, std::string& why);

}  // namespace edgebridge
