#pragma once
#include <string>

namespace edgebridge {

// Logs go to stderr (journald under systemd, `docker logs` in a container):
// one line per event, a short capitalised sentence with key=value context.
// Never a key, a password or a full payload at info level.
void setup_logging(const std::string& level);

}  // namespace edgebridge
