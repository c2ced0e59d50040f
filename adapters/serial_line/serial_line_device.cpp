#include "serial_line/serial_line_device.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/command_time.hpp"
#include "core/echo.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"

namespace edgebridge::serial_line {
namespace {

constexpr std::size_t kMaxQueuedWrites = 16;

}  // namespace

SerialLineDevice::SerialLineDevice(const DeviceConfig& device, std::shared_ptr<const SerialLineSettings> settings)
    : name_(device.name),
      topic_(device.topic),
      settings_(std::move(settings)),
      framer_(settings_->delimiter, settings_->max_line),
      reopen_(settings_->reopen, ReconnectTimer::AfterStable::backoff) {}

SerialLineDevice::~SerialLineDevice() { stop(); }

void SerialLineDevice::start(Ingress& ingress) {
  worker_.start(ingress, [this] { run(); });
}

void SerialLineDevice::stop() { worker_.stop(); }

std::vector<std::pair<std::string, double>> SerialLineDevice::metrics() const {
  return {{"online", online_ ? 1.0 : 0.0},
          {"lines_ok", static_cast<double>(lines_ok_)},
          {"lines_bad", static_cast<double>(lines_bad_)},
          {"lines_ignored", static_cast<double>(lines_ignored_)},
          {"commands_ok", static_cast<double>(writes_ok_)},
          {"commands_rejected", static_cast<double>(writes_rejected_)},
          {"commands_failed", static_cast<double>(writes_failed_)},
          {"commands_expired", static_cast<double>(writes_expired_)}};
}

// ---- caller's thread --------------------------------------------------------

Delivery SerialLineDevice::command(const Message& message) {
  std::string why;
  return queue_write(message.payload, message.received_at, why);
}

Delivery SerialLineDevice::invoke(const std::string& command, const nlohmann::json& args, std::string& why) {
  if (command != "write") {
    why = "serial_line devices have one command, write (with args {\"data\": \"...\"})";
    return Delivery::error;
  }
  if (!args.is_object() || !args.contains("data") || !args["data"].is_string()) {
    why = "write needs args {\"data\": \"text to write\"}";
    return Delivery::error;
  }
  nlohmann::json id;
  if (auto it = args.find("id"); it != args.end() && (it->is_string() || it->is_number())) id = echo_json(*it);
  return queue_write(args["data"].get<std::string>(), std::chrono::system_clock::now(), why, id);
}

nlohmann::json SerialLineDevice::result_body(nlohmann::json body, const nlohmann::json& id) {
  if (!id.is_null()) body["id"] = id;
  return body;
}

void SerialLineDevice::refuse_write(const std::string& error, const std::string& message, const nlohmann::json& id) {
  ++writes_rejected_;
  spdlog::warn("Serial write refused. device={} error={} reason=\"{}\"", name_, error, message);
  std::lock_guard<std::mutex> lock(mu_);
  outbound_.push_back(
      {settings_->write_result_topic,
       result_body({{"ok", false}, {"status", "refused"}, {"error", error}, {"message", message}}, id)});
  worker_.wake();
}

Delivery SerialLineDevice::queue_write(const std::string& payload, std::chrono::system_clock::time_point received_at,
                                       std::string& why, const nlohmann::json& id) {
  auto refuse = [&](const std::string& error, const std::string& message) {
    why = message;
    refuse_write(error, message, id);
    return Delivery::error;
  };
  if (!settings_->writable)
    return refuse("not_writable", "this device is read-only; set writable: true in its configuration to allow writes");
  // One line, no control characters: a payload cannot smuggle in a second command.
  std::string data = payload;
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (data.empty()) return refuse("bad_payload", "the payload is empty");
  if (data.size() > settings_->max_line)
    return refuse("bad_payload", "the payload is " + std::to_string(data.size()) + " bytes; at most " +
                                     std::to_string(settings_->max_line) + " (max_line) may be written");
  if (std::any_of(data.begin(), data.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; }) ||
      data.find(settings_->delimiter) != std::string::npos)
    return refuse("bad_payload", "the payload holds control characters or the line delimiter; send one line of text");
  if (!settings_->write_allow.empty() &&
      std::find(settings_->write_allow.begin(), settings_->write_allow.end(), data) == settings_->write_allow.end()) {
    std::string allowed;
    for (const auto& a : settings_->write_allow) allowed += (allowed.empty() ? "" : ", ") + a;
    return refuse("not_allowed", "\"" + printable_excerpt(data, 40) + "\" is not in write_allow (" + allowed + ")");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (writes_.size() < kMaxQueuedWrites) {
      writes_.push_back({std::move(data), received_at, id});
      worker_.wake();
      return Delivery::ok;
    }
  }
  return refuse("queue_full", std::to_string(kMaxQueuedWrites) + " writes are already waiting; this one was dropped");
}

// ---- worker thread ----------------------------------------------------------

void SerialLineDevice::publish(const std::string& topic, nlohmann::json body, int qos, bool retain) {
  Ingress* ingress = worker_.ingress();
  if (!ingress) return;
  Message m;
  m.topic = topic;
  m.received_at = std::chrono::system_clock::now();
  if (!body.contains("ts")) body["ts"] = format_rfc3339_ms(m.received_at);
  m.payload = dump_json(body);
  m.qos = qos;
  m.retain = retain;
  ingress->ingest(Source::device(name_), std::move(m));
}

void SerialLineDevice::publish_pending() {
  std::deque<Outbound> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready.swap(outbound_);
  }
  for (auto& o : ready) publish(o.topic, std::move(o.body), 1, false);
}

void SerialLineDevice::try_open() {
  std::string why;
  if (port_.open(settings_->port, settings_->serial, why)) {
    online_ = true;
    reopen_.connected(SteadyClock::now());
    framer_.reset();
    spdlog::info("Serial port open. device={} port={} settings={} parser={}", name_, settings_->port,
                 settings_->serial.text(), settings_->parser_name);
    return;
  }
  bool news = false;
  const Duration delay = reopen_.failed(why, SteadyClock::now(), news);
  if (news)
    spdlog::warn("Serial port unavailable. device={} port={} error=\"{}\" retry_in={}", name_, settings_->port, why,
                 format_for_people(delay));
  else
    spdlog::debug("Serial port still unavailable. device={} port={} error=\"{}\" retry_in={}", name_, settings_->port,
                  why, format_for_people(delay));
}

void SerialLineDevice::lost_port(const std::string& why) {
  port_.close();
  online_ = false;
  reopen_.lost(why, SteadyClock::now());
  if (framer_.buffered() > 0) spdlog::debug("Partial line dropped with the port. device={} bytes={}", name_, framer_.buffered());
  framer_.reset();
  spdlog::warn("Serial port lost. device={} port={} error=\"{}\"", name_, settings_->port, why);
}

void SerialLineDevice::report_bad(const std::string& error, const std::string& message, const std::string& line) {
  ++lines_bad_;
  ++bad_by_kind_[error];
  // Token bucket: max_error_reports per second, a burst of as many.
  const auto now = SteadyClock::now();
  const double rate = settings_->max_error_reports.unlimited() ? 1e9 : settings_->max_error_reports.per_second;
  const double capacity = std::max(1.0, rate);
  if (error_tokens_at_ == SteadyClock::time_point{}) error_tokens_ = capacity;
  error_tokens_ = std::min(capacity, error_tokens_ + std::chrono::duration<double>(now - error_tokens_at_).count() * rate);
  error_tokens_at_ = now;
  if (error_tokens_ < 1.0) {
    ++suppressed_;
    spdlog::debug("Bad line (report suppressed). device={} error={} reason=\"{}\"", name_, error, message);
    return;
  }
  error_tokens_ -= 1.0;
  spdlog::warn("Bad line from serial device. device={} error={} reason=\"{}\"", name_, error, message);
  nlohmann::json body = {{"error", error},
                         {"message", message},
                         {"line", printable_excerpt(line)},
                         {"lines_ok", lines_ok_.load()},
                         {"lines_bad", lines_bad_.load()},
                         {"bad", bad_by_kind_},
                         {"suppressed", suppressed_}};
  suppressed_ = 0;
  publish(settings_->error_topic, std::move(body), 1, false);
}

void SerialLineDevice::on_line(const LineFramer::Event& event) {
  if (event.overlong) {
    report_bad("overlong",
               "a line of " + std::to_string(event.length) + " bytes or more exceeds max_line (" +
                   std::to_string(settings_->max_line) + ") and was dropped",
               event.text);
    return;
  }
  const std::string line = settings_->trim ? trim_whitespace(event.text) : event.text;
  if (line.empty()) return;
  for (const auto& prefix : settings_->skip_prefixes) {
    if (line.compare(0, prefix.size(), prefix) == 0) {
      ++lines_ignored_;
      return;
    }
  }
  LineResult r = settings_->parser->parse(line);
  switch (r.kind) {
    case LineResult::Kind::reading:
      ++lines_ok_;
      publish(topic_, std::move(r.value), settings_->qos, settings_->retain);
      break;
    case LineResult::Kind::ignored: ++lines_ignored_; break;
    case LineResult::Kind::bad: report_bad(r.error, r.message, line); break;
  }
}

void SerialLineDevice::read_port() {
  for (int i = 0; i < 64 && port_.is_open(); ++i) {  // bounded, so writes and stop get their turn
    std::string chunk, why;
    switch (port_.read_some(chunk, why)) {
      case SerialPort::Read::data:
        framer_.feed(chunk.data(), chunk.size(), [this](const LineFramer::Event& e) { on_line(e); });
        break;
      case SerialPort::Read::none: return;
      case SerialPort::Read::gone: lost_port(why); return;
    }
  }
}

void SerialLineDevice::do_writes() {
  while (true) {
    Write w;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (writes_.empty()) return;
      w = writes_.front();
      const auto age = std::chrono::duration_cast<Duration>(std::chrono::system_clock::now() - w.received_at);
      if (age <= settings_->ttl && !port_.is_open()) return;  // waits for the port, within its ttl
      writes_.pop_front();
    }
    const auto age = std::chrono::duration_cast<Duration>(std::chrono::system_clock::now() - w.received_at);
    if (age > settings_->ttl) {
      ++writes_expired_;
      const std::string message = "dropped: it waited " + format_for_people(age) + ", longer than the ttl of " +
                                  format_duration(settings_->ttl) +
                                  (port_.is_open() ? std::string()
                                                   : " (the port is unavailable: " + reopen_.last_error() + ")");
      spdlog::warn("Serial write expired. device={} reason=\"{}\"", name_, message);
      publish(settings_->write_result_topic,
              result_body({{"ok", false}, {"status", "expired"}, {"error", "expired"}, {"message", message}}, w.id), 1,
              false);
      continue;
    }
    std::string why;
    if (port_.write_all(w.data + settings_->write_ending, Duration(2000), why)) {
      ++writes_ok_;
      spdlog::info("Serial write done. device={} bytes={}", name_, w.data.size() + settings_->write_ending.size());
      publish(settings_->write_result_topic,
              result_body({{"ok", true}, {"status", "ok"}, {"bytes", w.data.size() + settings_->write_ending.size()}},
                          w.id),
              1, false);
    } else {
      ++writes_failed_;
      spdlog::warn("Serial write failed. device={} error=\"{}\"", name_, why);
      publish(settings_->write_result_topic,
              result_body({{"ok", false}, {"status", "failed"}, {"error", "write_failed"}, {"message", why}}, w.id), 1,
              false);
    }
  }
}

void SerialLineDevice::run() {
  reopen_.start(SteadyClock::now());
  while (!worker_.stopping()) {
    publish_pending();
    if (!port_.is_open() && reopen_.due(SteadyClock::now())) try_open();
    do_writes();
    auto wake_at = SteadyClock::now() + std::chrono::seconds(1);
    if (!port_.is_open()) wake_at = std::min(wake_at, reopen_.next_attempt());
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - SteadyClock::now()).count();
    pollfd fds[2] = {{worker_.waker().fd(), POLLIN, 0}, {port_.fd(), POLLIN, 0}};
    const int n = ::poll(fds, port_.is_open() ? 2 : 1, static_cast<int>(std::max<long long>(0, ms)));
    if (n > 0 && (fds[0].revents & POLLIN)) worker_.waker().clear();
    if (n > 0 && port_.is_open()) {
      const auto events = fds[1].revents;
      if (events & POLLIN) read_port();  // what arrived before a hang-up still counts
      if (port_.is_open() && (events & (POLLHUP | POLLERR | POLLNVAL)))
        lost_port(events & POLLHUP ? "the port hung up (device unplugged or closed)" : "the port reported an error");
    }
  }
  port_.close();
  online_ = false;
  publish_pending();
}

}  // namespace edgebridge::serial_line
