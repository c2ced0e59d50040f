#pragma once
// The running `ir_tcp` device: one persistent connection to the iTach, one
// worker thread that owns it, and a bounded queue of commands in between.
//
// command()/invoke() run on the caller's thread: they parse the payload and
// check the code against the configuration, then queue it (or queue the
// refusal) and return at once. The worker connects (reconnecting with backoff),
// applies ttl, min_interval and hold right before sending, plays the code
// (ir_sender.hpp) and publishes every outcome on <topic>/result.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "common/reconnect_timer.hpp"
#include "common/worker_thread.hpp"
#include "config/config.hpp"
#include "core/device.hpp"
#include "ir_tcp/ir_request.hpp"
#include "ir_tcp/ir_sender.hpp"
#include "ir_tcp/ir_settings.hpp"
#include "ir_tcp/itach_connection.hpp"

namespace edgebridge::ir_tcp {

class IrTcpDevice final : public DeviceEndpoint {
 public:
  IrTcpDevice(const DeviceConfig& device, std::shared_ptr<const IrTcpSettings> settings);
  ~IrTcpDevice() override;

  const std::string& name() const override { return name_; }
  void start(Ingress& ingress) override;
  void stop() override;
  Delivery command(const Message& message) override;
  Delivery invoke(const std::string& command, const nlohmann::json& args, std::string& why) override;
  std::vector<std::pair<std::string, double>> metrics() const override;

 private:
  struct Result {
    std::string code;
    nlohmann::json request_id;
    nlohmann::json body;
  };
  struct Counters {
    std::atomic<std::uint64_t> ok{0}, rejected{0}, failed{0}, expired{0}, unknown{0}, late{0};
  };

  Delivery enqueue(std::optional<IrRequest> request, const IrRefusal& refusal, const nlohmann::json& request_id,
                   const std::string& code, std::string& why);
  void queue_result(Result result);
  void run();
  void try_connect();
  void lost_connection(const std::string& why);
  void drain_replies();
  void execute(const IrRequest& request);
  void note_unsolicited(const std::string& line);
  void publish(const Result& result);
  void publish_pending_results();
  Result refusal_result(const IrRequest& request, const IrRefusal& refusal, const char* status);
  int next_id();

  const std::string name_;
  const std::shared_ptr<const IrTcpSettings> settings_;
  std::atomic<bool> online_{false};
  WorkerThread worker_;
  Counters counters_;

  std::mutex mu_;                     // guards requests_ and results_
  std::deque<IrRequest> requests_;
  std::deque<Result> results_;

  // Worker thread only.
  ItachConnection connection_;
  IrSafety safety_;
  ReconnectTimer reconnect_;
  int next_sendir_id_ = 1;
  struct Pending {  // sends with an unknown outcome, by sendir id, for late completeir
    std::string code;
    nlohmann::json request_id;
  };
  std::map<int, Pending> unknown_outcomes_;
};

}  // namespace edgebridge::ir_tcp
