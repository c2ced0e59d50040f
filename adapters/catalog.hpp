#pragma once
#include "core/device.hpp"

namespace edgebridge {

// Every device kind edgebridge knows, in one explicit list.
DeviceCatalog device_catalog();

}  // namespace edgebridge
