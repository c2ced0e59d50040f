#pragma once
// The running `serial_line` device: a worker thread owns the port. It opens it
// (reopening with backoff when it disappears, e.g. a USB adapter unplugged),
// cuts what arrives into lines, parses each and publishes:
//   <topic>               every good line as a JSON reading, with "ts"
//   <topic>/error         bad lines (checksum, parse, overlong) with counts,
//                         at most max_error_reports per second
//   <topic>/write/result  the outcome of each write
// Writes arrive on <topic>/write and are carried out only when writable: true.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "common/reconnect_timer.hpp"
#include "common/worker_thread.hpp"
#include "config/config.hpp"
#include "core/device.hpp"
#include "serial_line/line_framer.hpp"
#include "serial_line/serial_line_settings.hpp"
#include "serial_line/serial_port.hpp"

namespace edgebridge::serial_line {

class SerialLineDevice final : public DeviceEndpoint {
 public:
  SerialLineDevice(const DeviceConfig& device, std::shared_ptr<const SerialLineSettings> settings);
  ~SerialLineDevice() override;

  const std::string& name() const override { return name_; }
  void start(Ingress& ingress) override;
  void stop() override;
  Delivery command(const Message& message) override;
  Delivery invoke(const std::string& command, const nlohmann::json& args, std::string& why) override;
  std::vector<std::pair<std::string, double>> metrics() const override;

 private:
  struct Write {
    std::string data;  // without the line ending
    std::chrono::system_clock::time_point received_at;
    nlohmann::json id;  // from invoke()'s args; echoed in the result (null: none)
  };
  struct Outbound {
    std::string topic;
    nlohmann::json body;
  };

  Delivery queue_write(const std::string& payload, std::chrono::system_clock::time_point received_at, std::string& why,
                       const nlohmann::json& id = nullptr);
  void refuse_write(const std::string& error, const std::string& message, const nlohmann::json& id);
  // A write's result, with its id when it had one.
  static nlohmann::json result_body(nlohmann::json body, const nlohmann::json& id);
  void run();
  void try_open();
  void lost_port(const std::string& why);
  void read_port();
  void on_line(const LineFramer::Event& event);
  void report_bad(const std::string& error, const std::string& message, const std::string& line);
  void do_writes();
  void publish(const std::string& topic, nlohmann::json body, int qos, bool retain);
  void publish_pending();

  const std::string name_;
  const std::string topic_;
  const std::shared_ptr<const SerialLineSettings> settings_;
  std::atomic<bool> online_{false};
  WorkerThread worker_;

  std::atomic<std::uint64_t> lines_ok_{0}, lines_bad_{0}, lines_ignored_{0};
  std::atomic<std::uint64_t> writes_ok_{0}, writes_rejected_{0}, writes_failed_{0}, writes_expired_{0};

  std::mutex mu_;  // guards writes_ and outbound_
  std::deque<Write> writes_;
  std::deque<Outbound> outbound_;

  // Worker thread only.
  SerialPort port_;
  LineFramer framer_;
  ReconnectTimer reopen_;
  std::map<std::string, std::uint64_t> bad_by_kind_;
  double error_tokens_ = 0;
  std::chrono::steady_clock::time_point error_tokens_at_{};
  std::uint64_t suppressed_ = 0;
};

}  // namespace edgebridge::serial_line
