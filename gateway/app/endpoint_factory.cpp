#include "app/endpoint_factory.hpp"

#include "app/local_link.hpp"
#include "app/remote_link.hpp"

namespace edgebridge {

namespace {

class RealEndpoints final : public EndpointFactory {
 public:
  RealEndpoints(const DeviceCatalog& catalog, LocalHoldTiming timing) : catalog_(catalog), timing_(timing) {}

  std::unique_ptr<LocalEndpoint> local(EventLoop& loop, const Config& config, OutboxStore& store,
                                       LocalEndpoint::Handler handler) override {
    return std::make_unique<LocalLink>(loop, config, store, std::move(handler), timing_);
  }

  std::unique_ptr<RemoteEndpoint> remote(EventLoop& loop, const RemoteConfig& remote, const GatewaySettings& gateway,
                                         OutboxQueue& queue, RemoteHooks hooks) override {
    return std::make_unique<RemoteLink>(loop, remote, gateway, queue, hooks);
  }

  std::unique_ptr<DeviceEndpoint> device(const DeviceConfig& device) override {
    for (const auto& kind : catalog_)
      if (kind->type() == device.type) return kind->create(device);
    return nullptr;
  }

 private:
  const DeviceCatalog& catalog_;
  const LocalHoldTiming timing_;
};

}  // namespace

std::unique_ptr<EndpointFactory> make_endpoint_factory(const DeviceCatalog& catalog, LocalHoldTiming timing) {
  return std::make_unique<RealEndpoints>(catalog, timing);
}

}  // namespace edgebridge
