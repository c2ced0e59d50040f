#include "modbus/modbus_device.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/echo.hpp"
#include "core/json_text.hpp"
#include "modbus/value_codec.hpp"

namespace edgebridge::modbus {
namespace {

std::string registers_text(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

ModbusDevice::ModbusDevice(const DeviceConfig& config, std::shared_ptr<const ModbusSettings> settings,
                           std::shared_ptr<Bus> bus)
    : name_(config.name),
      settings_(std::move(settings)),
      bus_(std::move(bus)),
      plan_(settings_->plan),
      filter_(*settings_) {
  bus_->enroll(this);
}

ModbusDevice::~ModbusDevice() {
  stop();
  bus_->withdraw(this);
}

void ModbusDevice::start(Ingress& ingress) {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (started_) return;
  ingress_ = &ingress;
  started_ = true;
  publish(settings_->meta_topic, meta_payload(), true);
  spdlog::info("Modbus device started. device={} bus={} unit={} poll={} requests_per_poll={}", name_,
               bus_->describe(), settings_->unit_id, format_duration(settings_->poll), plan_.size());
  bus_->attach(this);
}

void ModbusDevice::stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (!started_) return;
  started_ = false;
  for (const auto& c : bus_->detach(this)) {
    ++counters_.commands_failed;
    publish_result(c, "failed", "the gateway is stopping; the write was not sent");
  }
  if (status_ == Status::online) {
    status_ = Status::offline;
    counters_.online = 0;
    publish(settings_->status_topic, "offline", true);
  }
  spdlog::info("Modbus device stopped. device={}", name_);
  ingress_ = nullptr;
}

void ModbusDevice::publish(std::string topic, std::string payload, bool retain, int qos) {
  Ingress* ingress = ingress_.load();
  if (!ingress) return;
  Message m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.qos = qos;
  m.retain = retain;
  m.received_at = WallClock::now();
  ingress->ingest(Source::device(name_), std::move(m));
}

std::string ModbusDevice::meta_payload() const {
  nlohmann::ordered_json doc;
  doc["device"] = name_;
  doc["bus"] = bus_->describe();
  doc["unit_id"] = settings_->unit_id;
  doc["poll_ms"] = settings_->poll.count();
  nlohmann::ordered_json regs = nlohmann::ordered_json::object();
  for (const auto& r : settings_->registers) {
    nlohmann::ordered_json e;
    e["table"] = to_string(r.table);
    e["address"] = r.address;
    e["type"] = to_string(r.type);
    if (r.bit >= 0) e["bit"] = r.bit;
    if (!r.unit.empty()) e["unit"] = r.unit;
    if (const WriteRule* w = settings_->find_write(r.name)) {
      nlohmann::ordered_json write;
      if (w->min) write["min"] = *w->min;
      if (w->max) write["max"] = *w->max;
      if (!w->values.empty()) write["values"] = w->values;
      e["write"] = write;
    }
    regs[r.name] = e;
  }
  doc["registers"] = regs;
  return dump_json(doc);
}

void ModbusDevice::set_status(Status s) {
  if (s == status_) return;
  status_ = s;
  counters_.online = s == Status::online ? 1 : 0;
  if (s == Status::online)
    spdlog::info("Modbus device online. device={} bus={} unit={}", name_, bus_->describe(), settings_->unit_id);
  else
    spdlog::warn("Modbus device offline. device={} bus={} unit={}", name_, bus_->describe(), settings_->unit_id);
  publish(settings_->status_topic, s == Status::online ? "online" : "offline", true);
}

void ModbusDevice::count(const Result& r) {
  counters_.requests += static_cast<std::uint64_t>(r.attempts);
  counters_.timeouts += static_cast<std::uint64_t>(r.timeouts);
  counters_.bad_frames += static_cast<std::uint64_t>(r.bad_frames);
  if (r.outcome == Outcome::exception) ++counters_.exceptions;
  if (r.outcome == Outcome::link_down) ++counters_.link_errors;
}

void ModbusDevice::clear_error(const std::string& key) { errors_.erase(key); }

void ModbusDevice::report_error(const std::string& key, const std::vector<std::string>& registers,
                                const ReadRequest* request, const Result& r, const std::string& text) {
  const auto now = SteadyClock::now();
  auto it = errors_.find(key);
  const bool repeat = it != errors_.end() && it->second.text == text &&
                      now - it->second.published < settings_->output.error_repeat;
  if (repeat) {
    spdlog::debug("Modbus read failed again. device={} registers={} error=\"{}\"", name_, registers_text(registers), text);
    return;
  }
  errors_[key] = LastError{text, now};
  spdlog::warn("Modbus read failed. device={} bus={} unit={} registers={}{} kind={} error=\"{}\"", name_,
               bus_->describe(), settings_->unit_id, registers_text(registers),
               request ? " request=\"" + request->describe() + "\"" : std::string(), to_string(r.outcome), text);
  nlohmann::ordered_json doc;
  doc["ts"] = format_rfc3339_ms(WallClock::now());
  doc["device"] = name_;
  doc["registers"] = registers;
  if (request) {
    doc["table"] = to_string(request->table);
    doc["address"] = request->start;
    doc["count"] = request->count;
  }
  doc["kind"] = to_string(r.outcome);
  if (r.outcome == Outcome::exception) doc["exception"] = r.exception_code;
  doc["error"] = text;
  publish(settings_->errors_topic, dump_json(doc), false);
}

void ModbusDevice::polls_skipped(std::uint64_t count) {
  counters_.polls_skipped += count;
  spdlog::warn("Modbus polls skipped: the bus is behind. device={} bus={} skipped={}", name_, bus_->describe(), count);
}

void ModbusDevice::poll(BusConnection* link, const std::string& link_error, SteadyClock::time_point scheduled) {
  const auto started = SteadyClock::now();
  const auto wall = WallClock::now();
  const auto& s = *settings_;
  std::vector<std::string> all_names;
  for (const auto& r : s.registers) all_names.push_back(r.name);

  if (!link) {
    ++counters_.polls_failed;
    Result r;
    r.outcome = Outcome::link_down;
    report_error("link", all_names, nullptr, r, "bus " + bus_->describe() + " is not connected: " + link_error);
    if (++silent_polls_ >= s.offline_after || status_ == Status::unknown) set_status(Status::offline);
    answering_ = false;
    return;
  }
  clear_error("link");

  Exchange x;
  x.unit = s.unit_id;
  x.timeout = s.timeout;
  x.frame_gap = s.frame_gap;
  x.attempts = answering_ ? 1 + s.retries : 1;

  std::vector<Reading> readings;
  std::vector<std::uint16_t> words;
  bool answered = false;
  bool all_ok = true;
  for (std::size_t i = 0; i < plan_.size(); ++i) {
    const ReadRequest request = plan_[i];
    const Result r = link->read(x, request, words);
    count(r);
    const std::string key = request.describe();
    std::vector<std::string> names;
    for (std::size_t m : request.members) names.push_back(s.registers[m].name);
    if (r.outcome == Outcome::ok) {
      answered = true;
      clear_error(key);
      for (std::size_t m : request.members) {
        const RegisterSpec& spec = s.registers[m];
        const std::size_t at = static_cast<std::size_t>(spec.address - request.start);
        readings.push_back(Reading{m, decode_value(spec, words.data() + at)});
      }
      continue;
    }
    all_ok = false;
    if (r.outcome == Outcome::exception) {
      // Exceptions 10 and 11 come from a TCP-to-RTU gateway: the device behind
      // it did not answer. Anything else is the device itself answering.
      const bool from_gateway = r.exception_code == 10 || r.exception_code == 11;
      if (from_gateway) {
        report_error(key, names, &request, r, r.error);
        if (!answered) break;
        continue;
      }
      answered = true;
      // An illegal address in a coalesced read may be a gap the device does not
      // map: read the entries one by one from now on, so one bad address costs
      // one value, not the whole block.
      if (r.exception_code == 2 && request.members.size() > 1) {
        auto parts = split_request(request, s.registers, s.limits);
        if (parts.size() > 1) {
          spdlog::warn("Modbus device refused a coalesced read; reading its parts one by one from now on. "
                       "device={} request=\"{}\" parts={}",
                       name_, key, parts.size());
          plan_.erase(plan_.begin() + static_cast<long>(i));
          plan_.insert(plan_.begin() + static_cast<long>(i), parts.begin(), parts.end());
          --i;
          continue;
        }
      }
      report_error(key, names, &request, r, r.error);
      continue;
    }
    report_error(key, names, &request, r, r.error);
    if (r.outcome == Outcome::link_down) break;
    if (!answered) {
      // The device does not answer at all: do not spend a timeout on each
      // remaining request while the other devices on the bus wait.
      spdlog::debug("Modbus device silent; rest of the poll skipped. device={} skipped_requests={}", name_,
                    plan_.size() - i - 1);
      break;
    }
  }
  answering_ = answered;
  const auto latency = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  counters_.poll_latency_ms = latency;
  if (all_ok)
    ++counters_.polls_ok;
  else
    ++counters_.polls_failed;
  spdlog::trace("Modbus poll done. device={} lag_ms={:.1f} latency_ms={:.1f} values={}", name_,
                std::chrono::duration<double, std::milli>(started - scheduled).count(), latency, readings.size());

  if (answered) {
    silent_polls_ = 0;
    set_status(Status::online);
  } else if (++silent_polls_ >= s.offline_after || status_ == Status::unknown) {
    set_status(Status::offline);
  }

  // Values in `registers:` order, whatever order the plan read them in.
  std::sort(readings.begin(), readings.end(), [](const Reading& a, const Reading& b) { return a.index < b.index; });
  for (auto& m : reading_messages(s, wall, filter_.select(std::move(readings)))) {
    if (Ingress* ingress = ingress_.load()) ingress->ingest(Source::device(name_), std::move(m));
  }
}

void ModbusDevice::publish_result(const WriteCommand& c, const std::string& status, const std::string& error,
                                  const nlohmann::json& read_back) {
  publish(settings_->result_topic,
          result_payload(name_, c.register_name, c.value, c.id, status, error, WallClock::now(), read_back), false);
}

nlohmann::json ModbusDevice::read_back(BusConnection& link, const Exchange& x, const std::string& register_name) {
  const auto& regs = settings_->registers;
  for (std::size_t i = 0; i < regs.size(); ++i) {
    const RegisterSpec& spec = regs[i];
    if (spec.name != register_name) continue;
    ReadRequest request;
    request.table = spec.table;
    request.start = spec.address;
    request.count = static_cast<std::uint16_t>(spec.span());
    request.members = {i};
    std::vector<std::uint16_t> words;
    const Result r = link.read(x, request, words);
    count(r);
    if (r.outcome != Outcome::ok || words.size() < request.count) {
      spdlog::debug("Modbus read-back after a write failed. device={} register={} error=\"{}\"", name_, register_name,
                    r.error);
      return nullptr;
    }
    return decode_value(spec, words.data());
  }
  return nullptr;
}

void ModbusDevice::write(BusConnection* link, const std::string& link_error, WriteCommand command) {
  const auto now = WallClock::now();
  if (now > command.expires_at) {
    ++counters_.commands_expired;
    spdlog::warn("Modbus write expired while queued. device={} register={}", name_, command.register_name);
    publish_result(command, "expired", "waited in the bus queue past its ttl; dropped, not executed late");
    return;
  }
  if (!link) {
    ++counters_.commands_failed;
    spdlog::warn("Modbus write failed. device={} register={} kind=link_down error=\"{}\"", name_,
                 command.register_name, link_error);
    publish_result(command, "failed", "bus " + bus_->describe() + " is not connected: " + link_error);
    return;
  }
  Exchange x;
  x.unit = settings_->unit_id;
  x.timeout = settings_->timeout;
  x.frame_gap = settings_->frame_gap;
  x.attempts = 1 + settings_->retries;
  const Result r = link->write(x, command);
  count(r);
  if (r.outcome == Outcome::ok) {
    ++counters_.commands_ok;
    const nlohmann::json now_holds = read_back(*link, x, command.register_name);
    spdlog::info("Modbus register written. device={} register={} value={} read_back={}", name_, command.register_name,
                 dump_json(command.value), now_holds.is_null() ? "-" : dump_json(now_holds));
    publish_result(command, "ok", "", now_holds);
  } else {
    ++counters_.commands_failed;
    spdlog::warn("Modbus write failed. device={} register={} kind={} error=\"{}\"", name_, command.register_name,
                 to_string(r.outcome), r.error);
    publish_result(command, "failed", r.error);
  }
}

Delivery ModbusDevice::submit(CheckedWrite checked, std::string& why) {
  if (checked.verdict == Verdict::rejected) {
    ++counters_.commands_rejected;
    why = checked.why;
    spdlog::warn("Modbus command rejected. device={} register={} reason=\"{}\"", name_,
                 echo_text(checked.command.register_name), checked.why);
    publish_result(checked.command, "rejected", checked.why);
    return Delivery::error;
  }
  if (checked.verdict == Verdict::expired) {
    ++counters_.commands_expired;
    why = checked.why;
    spdlog::warn("Modbus command expired. device={} register={}", name_, echo_text(checked.command.register_name));
    publish_result(checked.command, "expired", checked.why);
    return Delivery::error;
  }
  WriteCommand command = checked.command;
  if (!bus_->submit(this, std::move(checked.command), why)) {
    ++counters_.commands_failed;
    spdlog::warn("Modbus command not queued. device={} register={} reason=\"{}\"", name_, command.register_name, why);
    publish_result(command, "failed", why);
    return Delivery::retry;
  }
  return Delivery::ok;
}

Delivery ModbusDevice::command(const Message& message) {
  const auto now = WallClock::now();
  const auto received = message.received_at == WallClock::time_point{} ? now : message.received_at;
  std::string why;
  if (message.retain) {
    // A retained command would be delivered again at every reconnect and run again.
    CheckedWrite refused;
    refused.why = "retained commands are refused: the broker would deliver it again at every reconnect; publish "
                  "commands without the retain flag";
    return submit(std::move(refused), why);
  }
  return submit(check_write_payload(*settings_, message.payload, received, now), why);
}

Delivery ModbusDevice::invoke(const std::string& command, const nlohmann::json& args, std::string& why) {
  const auto now = WallClock::now();
  return submit(check_write(*settings_, command, args, now, now), why);
}

std::vector<std::pair<std::string, double>> ModbusDevice::metrics() const {
  auto d = [](const std::atomic<std::uint64_t>& v) { return static_cast<double>(v.load()); };
  return {
      {"polls_ok", d(counters_.polls_ok)},
      {"polls_failed", d(counters_.polls_failed)},
      {"polls_skipped", d(counters_.polls_skipped)},
      {"poll_latency_ms", counters_.poll_latency_ms.load()},
      {"online", static_cast<double>(counters_.online.load())},
      {"requests", d(counters_.requests)},
      {"timeouts", d(counters_.timeouts)},
      {"exceptions", d(counters_.exceptions)},
      {"bad_frames", d(counters_.bad_frames)},
      {"link_errors", d(counters_.link_errors)},
      {"commands_ok", d(counters_.commands_ok)},
      {"commands_rejected", d(counters_.commands_rejected)},
      {"commands_failed", d(counters_.commands_failed)},
      {"commands_expired", d(counters_.commands_expired)},
  };
}

}  // namespace edgebridge::modbus
