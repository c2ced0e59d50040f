#include "catalog.hpp"

namespace edgebridge {

DeviceCatalog device_catalog() {
  DeviceCatalog kinds;
  return kinds;
}

}  // namespace edgebridge
