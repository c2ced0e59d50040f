#include "outbox/outbox.hpp"

namespace edgebridge {

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::overflow_oldest: return "overflow_oldest";
    case DropReason::overflow_newest: return "overflow_newest";
    case DropReason::ttl_expired: return "ttl_expired";
    case DropReason::qos0_offline: return "qos0_offline";
    case DropReason::disk_full: return "disk_full";
    case DropReason::io_error: return "io_error";
    case DropReason::count_: break;
  }
  return "?";
}

}  // namespace edgebridge
