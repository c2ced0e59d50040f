#pragma once
// One Modbus device (a unit id on a bus) as a gateway endpoint: its polls run
// on the bus's thread and become messages; commands are checked against
// `writes:` and queued to the bus.
//
// Topics (from the device's `topic`):
//   <topic>             one JSON object per poll: {"ts": ..., "<register>": value, ...}
//   <topic>/<register>  each value as plain text (output.per_register)
//   <topic>/error       read and link errors (errors_topic)
//   <topic>/status      "online" / "offline", retained
//   <topic>/meta        registers with unit, table, address and type, retained
//   <topic>/set         write commands in (command_topic); replies on <topic>/set/result

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bus.hpp"
#include "core/device.hpp"
#include "modbus_settings.hpp"
#include "reading_output.hpp"

namespace edgebridge::modbus {

class ModbusDevice final : public DeviceEndpoint, private BusMember {
 public:
  ModbusDevice(const DeviceConfig& config, std::shared_ptr<const ModbusSettings> settings, std::shared_ptr<Bus> bus);
  ~ModbusDevice() override;

  const std::string& name() const override { return name_; }
  void start(Ingress& ingress) override;
  void stop() override;
  Delivery command(const Message& message) override;
  Delivery invoke(const std::string& command, const nlohmann::json& args, std::string& why) override;
  std::vector<std::pair<std::string, double>> metrics() const override;

 private:
  struct Counters {
    std::atomic<std::uint64_t> polls_ok{0}, polls_failed{0}, polls_skipped{0};
    std::atomic<std::uint64_t> requests{0}, timeouts{0}, exceptions{0}, bad_frames{0}, link_errors{0};
    std::atomic<std::uint64_t> commands_ok{0}, commands_rejected{0}, commands_failed{0}, commands_expired{0};
    std::atomic<double> poll_latency_ms{0};
    std::atomic<int> online{0};
  };
  enum class Status { unknown, online, offline };

  // BusMember, on the bus thread.
  void poll(BusConnection* link, const std::string& link_error, SteadyClock::time_point scheduled) override;
  void write(BusConnection* link, const std::string& link_error, WriteCommand command) override;
  void polls_skipped(std::uint64_t count) override;
  Duration poll_interval() const override { return settings_->poll; }
  Duration timeout() const override { return settings_->timeout; }

  Delivery submit(CheckedWrite checked, std::string& why);
  void count(const Result& r);
  void report_error(const std::string& key, const std::vector<std::string>& registers, const ReadRequest* request,
                    const Result& r, const std::string& text);
  void clear_error(const std::string& key);
  void set_status(Status s);
  void publish(std::string topic, std::string payload, bool retain, int qos = 1);
  void publish_result(const WriteCommand& c, const std::string& status, const std::string& error,
                      const nlohmann::json& read_back = nullptr);
  // After a write: the register read again (null when that read failed).
  nlohmann::json read_back(BusConnection& link, const Exchange& x, const std::string& register_name);
  std::string meta_payload() const;

  std::string name_;
  std::shared_ptr<const ModbusSettings> settings_;
  std::shared_ptr<Bus> bus_;
  std::atomic<Ingress*> ingress_{nullptr};
  bool started_ = false;
  std::mutex lifecycle_mu_;

  // Bus thread only.
  std::vector<ReadRequest> plan_;  // the settings' plan, with blocks the device refused split up
  ChangeFilter filter_;
  bool answering_ = true;   // answered in its last poll: retries apply
  int silent_polls_ = 0;    // consecutive polls without any answer
  Status status_ = Status::unknown;
  struct LastError {
    std::string text;
    SteadyClock::time_point published{};
  };
  std::map<std::string, LastError> errors_;  // by request (or "link"): what was last published

  Counters counters_;
};

}  // namespace edgebridge::modbus
