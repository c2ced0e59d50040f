#include "catalog.hpp"

namespace edgebridge {

DeviceCatalog device_catalog() {
  DeviceCatalog kinds;
  return kinds;
}

std::vector<CliExtension> cli_extensions() {
  std::vector<CliExtension> extensions;
  return extensions;
}

}  // namespace edgebridge
