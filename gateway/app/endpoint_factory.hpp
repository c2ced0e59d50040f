#pragma once
// The real endpoints: the local broker and the remotes over MQTT
// (local_link.hpp, remote_link.hpp), devices from the adapter catalog.

#include <chrono>
#include <memory>

#include "app/endpoints.hpp"

namespace edgebridge {

std::unique_ptr<EndpointFactory> make_endpoint_factory(const DeviceCatalog& catalog, LocalHoldTiming timing);

}  // namespace edgebridge
