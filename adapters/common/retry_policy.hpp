#pragma once
// A `reconnect:`/`reopen:` block: { min, max, stable_after } for the Backoff
// (decorrelated jitter, core/backoff.hpp) of a device connection.

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace edgebridge {

// Reads `key` under `device`; absent keys keep `defaults`. Errors go to the reader.
ReconnectPolicy read_retry_policy(MapReader& device, const char* key, ReconnectPolicy defaults);

}  // namespace edgebridge
