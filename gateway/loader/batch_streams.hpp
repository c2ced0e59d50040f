#pragma once
// After topics and rules: each remote's batch streams (RemoteConfig::batches);
// one topic with two different settings is an error.

#include "config/config.hpp"
#include "config/diagnostics.hpp"

namespace edgebridge {

void collect_batch_streams(Config& config, Diagnostics& diag);

}  // namespace edgebridge
