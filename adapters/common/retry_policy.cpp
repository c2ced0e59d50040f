#include "common/retry_policy.hpp"

namespace edgebridge {

ReconnectPolicy read_retry_policy(MapReader& device, const char* key, ReconnectPolicy defaults) {
  MapReader r = device.child(key);
  ReconnectPolicy p = defaults;
  p.min_delay = r.duration("min", p.min_delay);
  p.max_delay = r.duration("max", p.max_delay);
  p.stable_after = r.duration("stable_after", p.stable_after);
  if (p.min_delay < Duration(1000)) {
    r.context().error(r.raw("min"), r.key_path("min"), "must be at least 1s (a retry more often only adds load)");
    p.min_delay = Duration(1000);
  }
  if (p.max_delay < p.min_delay) {
    r.context().error(r.raw("max"), r.key_path("max"), std::string("must not be shorter than ") + key + ".min");
    p.max_delay = p.min_delay;
  }
  r.finish();
  return p;
}

}  // namespace edgebridge
