#include "app/endpoint_factory.hpp"

#include "app/local_link.hpp"
#include "app/remote_link.hpp"

namespace edgebridge {

namespace {

class RealEndpoints final : public EndpointFactory {
 public:
  RealEndpoints(const DeviceCatalog& catalog, std::chrono::milliseconds commit_delay)
      : catalog_(catalog), commit_delay_(commit_delay) {}

  std::unique_ptr<LocalEndpoint> local(EventLoop& loop, const Config& config, OutboxStore& store,
                                       LocalEndpoint::Handler handler) override {
    return std::make_unique<LocalLink>(loop, config, store, std::move(handler), commit_delay_);
  }

  std::unique_ptr<RemoteEndpoint> remote(EventLoop& loop, const RemoteConfig& remote, const GatewaySettings& gateway,
                                         OutboxQueue& queue, RemoteHooks hooks) override {
    return std::make_unique<RemoteLink>(loop, remote, gateway, queue, std::move(hooks));
  }

  std::unique_ptr<DeviceEndpoint> device(const DeviceConfig& device) override {
    for (const auto& kind : catalog_)
      if (kind->type() == device.type) return kind->create(device);
    return nullptr;
  }

 private:
  const DeviceCatalog& catalog_;
  const std::chrono::milliseconds commit_delay_;
};

}  // namespace

std::unique_ptr<EndpointFactory> make_endpoint_factory(const DeviceCatalog& catalog,
                                                       std::chrono::milliseconds commit_delay) {
  return std::make_unique<RealEndpoints>(catalog, commit_delay);
}

}  // namespace edgebridge
