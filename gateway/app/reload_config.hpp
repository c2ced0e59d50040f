#pragma once
// SIGHUP (`systemctl reload edgebridge`): read bridge.yaml again and apply it.
// A file with errors changes nothing: every error is logged with file:line:col
// and the gateway keeps running the configuration it has.

#include <string>

#include "app/gateway.hpp"
#include "config/device_kind.hpp"

namespace edgebridge {

// `cli_log_level`: the --log-level given on the command line (empty: none);
// it wins over gateway.log_level, as at start. Returns true when applied.
bool reload_config(Gateway& gateway, const std::string& config_path, const DeviceCatalog& catalog,
                   const std::string& cli_log_level);

}  // namespace edgebridge
