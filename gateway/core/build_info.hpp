#pragma once
// Facts fixed when edgebridge was built.
#include <cstdint>

namespace edgebridge {

const char* build_version();           // "0.1.0"
std::int64_t build_epoch_seconds();    // UTC midnight of the build day, seconds since 1970

}  // namespace edgebridge
