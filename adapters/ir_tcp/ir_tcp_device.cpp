#include "ir_tcp/ir_tcp_device.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include "common/command_time.hpp"
#include "core/echo.hpp"
#include "core/json_text.hpp"
#include "ir_tcp/itach_reply.hpp"

namespace edgebridge::ir_tcp {
IrTcpDevice::IrTcpDevice(const DeviceConfig& device, std::shared_ptr<const IrTcpSettings> settings)
    : name_(device.name),
      settings_(std::move(settings)),
      connection_(&worker_.waker(), [this] { return worker_.stopping(); }),
      safety_(*settings_),
      reconnect_(settings_->reconnect, ReconnectTimer::AfterStable::at_once) {}

IrTcpDevice::~IrTcpDevice() { stop(); }

void IrTcpDevice::start(Ingress& ingress) {
  worker_.start(ingress, [this] { run(); });
}

void IrTcpDevice::stop() { worker_.stop(); }

std::vector<std::pair<std::string, double>> IrTcpDevice::metrics() const {
  return {{"online", online_ ? 1.0 : 0.0},
          {"commands_ok", static_cast<double>(counters_.ok)},
          {"commands_rejected", static_cast<double>(counters_.rejected)},
          {"commands_failed", static_cast<double>(counters_.failed)},
          {"commands_expired", static_cast<double>(counters_.expired)},
          {"commands_unknown", static_cast<double>(counters_.unknown)},
          {"commands_late", static_cast<double>(counters_.late)}};
}

// ---- caller's thread --------------------------------------------------------

Delivery IrTcpDevice::command(const Message& message) {
  IrRefusal refusal;
  nlohmann::json request_id;
  auto request = parse_ir_payload(message, refusal, request_id);
  // Named before the call: an argument moved from `request` may be made first.
  const std::string code = request ? request->code : std::string();
  std::string why;
  return enqueue(std::move(request), refusal, request_id, code, why);
}

Delivery IrTcpDevice::invoke(const std::string& command, const nlohmann::json& args, std::string& why) {
  IrRefusal refusal;
  auto request = ir_request_from_args(command, args, std::chrono::system_clock::now(), refusal);
  nlohmann::json request_id;
  if (args.is_object())
    if (auto it = args.find("id"); it != args.end() && (it->is_string() || it->is_number()))
      request_id = echo_json(*it);
  return enqueue(std::move(request), refusal, request_id, command, why);
}

Delivery IrTcpDevice::enqueue(std::optional<IrRequest> request, const IrRefusal& parse_refusal,
                              const nlohmann::json& request_id, const std::string& code, std::string& why) {
  // Before start() the command waits in the queue like any other (the local
  // broker may replay queued commands a moment before the devices start).
  std::optional<IrRefusal> refusal;
  if (!request) refusal = parse_refusal;
  if (!refusal) refusal = check_code(*request, *settings_);
  if (!refusal) {
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int>(requests_.size()) >= settings_->max_queue) {
      refusal = IrRefusal{"queue_full",
                          std::to_string(requests_.size()) + " commands are already waiting for this emitter; "
                          "this one was dropped",
                          Duration(0)};
    } else {
      requests_.push_back(std::move(*request));
      worker_.wake();
      return Delivery::ok;
    }
  }
  ++counters_.rejected;
  why = refusal->message;
  spdlog::warn("IR command refused. device={} code=\"{}\" error={} reason=\"{}\"", name_, code, refusal->error,
               refusal->message);
  IrRequest shown;
  shown.code = code;
  shown.request_id = request_id;
  queue_result(refusal_result(shown, *refusal, "refused"));
  return Delivery::error;
}

void IrTcpDevice::queue_result(Result result) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    results_.push_back(std::move(result));
  }
  worker_.wake();
}

IrTcpDevice::Result IrTcpDevice::refusal_result(const IrRequest& request, const IrRefusal& refusal,
                                                const char* status) {
  Result r{request.code, request.request_id, nlohmann::json::object()};
  r.body["ok"] = false;
  r.body["status"] = status;
  r.body["error"] = refusal.error;
  r.body["message"] = refusal.message;
  if (refusal.retry_after.count() > 0) r.body["retry_after_ms"] = refusal.retry_after.count();
  return r;
}

// ---- worker thread ----------------------------------------------------------

int IrTcpDevice::next_id() {
  const int id = next_sendir_id_;
  next_sendir_id_ = next_sendir_id_ >= kIrMaxId ? 1 : next_sendir_id_ + 1;
  return id;
}

void IrTcpDevice::publish(const Result& result) {
  Ingress* ingress = worker_.ingress();
  if (!ingress) return;
  nlohmann::json body = result.body;
  if (!result.code.empty()) body["code"] = result.code;
  if (!result.request_id.is_null()) body["id"] = result.request_id;
  const auto now = std::chrono::system_clock::now();
  body["at"] = format_rfc3339_ms(now);
  Message m;
  m.topic = settings_->result_topic;
  m.payload = dump_json(body);
  m.qos = 1;
  m.received_at = now;
  ingress->ingest(Source::device(name_), std::move(m));
}

void IrTcpDevice::publish_pending_results() {
  std::deque<Result> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready.swap(results_);
  }
  for (const auto& r : ready) publish(r);
}

void IrTcpDevice::try_connect() {
  std::string why;
  if (connection_.connect(settings_->host, settings_->port, settings_->connect_timeout, why)) {
    online_ = true;
    reconnect_.connected(SteadyClock::now());
    spdlog::info("IR blaster connected. device={} address={}", name_, settings_->address());
    return;
  }
  if (worker_.stopping()) return;
  bool news = false;
  const Duration delay = reconnect_.failed(why, SteadyClock::now(), news);
  if (news)
    spdlog::warn("IR blaster unreachable. device={} address={} error=\"{}\" retry_in={}", name_, settings_->address(),
                 why, format_for_people(delay));
  else
    spdlog::debug("IR blaster still unreachable. device={} address={} error=\"{}\" attempts={} retry_in={}", name_,
                  settings_->address(), why, reconnect_.failures(), format_for_people(delay));
}

void IrTcpDevice::lost_connection(const std::string& why) {
  connection_.close();
  online_ = false;
  // A connection that stayed up a while reconnects at once; a flapping one backs off.
  reconnect_.lost(why, SteadyClock::now());
  spdlog::warn("IR blaster connection lost. device={} address={} error=\"{}\"", name_, settings_->address(), why);
}

void IrTcpDevice::note_unsolicited(const std::string& line) {
  const ItachReply reply = parse_itach_reply(line);
  if (reply.kind == ItachReplyKind::complete) {
    auto it = unknown_outcomes_.find(reply.id);
    if (it != unknown_outcomes_.end()) {
      ++counters_.late;
      spdlog::info("Late completion from the iTach. device={} code=\"{}\" reply=\"{}\"", name_, it->second.code,
                   reply.text);
      Result r{it->second.code, it->second.request_id, nlohmann::json::object()};
      r.body["ok"] = true;
      r.body["status"] = "ok";
      r.body["late"] = true;
      r.body["sendir_id"] = reply.id;
      r.body["message"] = "the iTach reported this code complete after the answer timeout; it did play";
      publish(r);
      unknown_outcomes_.erase(it);
      return;
    }
  }
  spdlog::debug("Unsolicited line from the iTach. device={} line=\"{}\"", name_, reply.text);
}

void IrTcpDevice::drain_replies() {
  while (connection_.is_open()) {
    std::string line, why;
    const auto w = connection_.next_line(line, SteadyClock::now(), why);
    if (w == ItachConnection::Wait::line) {
      note_unsolicited(line);
      continue;
    }
    if (w == ItachConnection::Wait::closed) lost_connection(why);
    return;
  }
}

void IrTcpDevice::execute(const IrRequest& request) {
  if (auto refusal = safety_.check(request, std::chrono::system_clock::now(), SteadyClock::now())) {
    const bool expired = refusal->error == "expired";
    ++(expired ? counters_.expired : counters_.rejected);
    spdlog::warn("IR command not sent. device={} code=\"{}\" error={} reason=\"{}\"", name_, request.code,
                 refusal->error, refusal->message);
    publish(refusal_result(request, *refusal, expired ? "expired" : "refused"));
    return;
  }
  const IrCode& code = *settings_->find(request.code);
  SendPolicy policy{settings_->reply_timeout, settings_->busy_retries, settings_->busy_delay,
                    settings_->busy_max_delay};
  const SendOutcome o = send_ir_code(connection_, code, request.repeat, policy, [this] { return next_id(); },
                                     [this](const std::string& line) { note_unsolicited(line); });
  if (o.status == SendStatus::not_sent) {
    // Not a byte left: the code certainly did not play. It waits for the reconnect (within its ttl).
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_front(request);
    }
    lost_connection(o.cause);
    return;
  }
  Result r{request.code, request.request_id, nlohmann::json::object()};
  r.body["ok"] = o.status == SendStatus::ok;
  r.body["status"] = o.status == SendStatus::stopped ? "unknown" : to_string(o.status);
  r.body["attempts"] = o.attempts;
  r.body["sendir_id"] = o.sendir_id;
  if (request.repeat > 0) r.body["repeat"] = request.repeat;
  if (!o.error.empty()) r.body["error"] = o.error;
  if (!o.message.empty()) r.body["message"] = o.message;
  if (o.error == "device_error") {
    r.body["device_error"] = o.reply;
    r.body["device_error_meaning"] = describe_itach_error(o.error_code);
  }
  const auto now = SteadyClock::now();
  switch (o.status) {
    case SendStatus::ok:
      ++counters_.ok;
      safety_.record_played(request.code, now);
      spdlog::info("IR code sent. device={} code=\"{}\" sendir_id={} attempts={}", name_, request.code, o.sendir_id,
                   o.attempts);
      break;
    case SendStatus::failed:
      ++counters_.failed;
      spdlog::warn("IR code failed. device={} code=\"{}\" error={} reason=\"{}\"", name_, request.code, o.error,
                   o.message);
      break;
    case SendStatus::unknown:
    case SendStatus::stopped:
      ++counters_.unknown;
      safety_.record_played(request.code, now);  // it may have played: the intervals count from now
      if (unknown_outcomes_.size() >= 16) unknown_outcomes_.erase(unknown_outcomes_.begin());
      unknown_outcomes_[o.sendir_id] = {request.code, request.request_id};
      spdlog::warn("IR send outcome unknown. device={} code=\"{}\" sendir_id={} error={} reason=\"{}\"", name_,
                   request.code, o.sendir_id, o.error, o.message);
      break;
    case SendStatus::not_sent: break;
  }
  publish(r);
  if (!connection_.is_open()) lost_connection(o.cause.empty() ? "the connection dropped" : o.cause);
}

void IrTcpDevice::run() {
  spdlog::debug("IR device started. device={} address={} codes={}", name_, settings_->address(),
                settings_->code_names());
  reconnect_.start(SteadyClock::now());
  while (!worker_.stopping()) {
    publish_pending_results();
    if (!connection_.is_open() && reconnect_.due(SteadyClock::now())) {
      try_connect();
      continue;
    }
    std::optional<IrRequest> request;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!requests_.empty()) request = requests_.front();
    }
    const auto wall_now = std::chrono::system_clock::now();
    if (request && wall_now - request->issued_at > settings_->ttl) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.pop_front();
      }
      ++counters_.expired;
      IrRefusal refusal{"expired",
                        "dropped: issued " +
                            format_for_people(std::chrono::duration_cast<Duration>(wall_now - request->issued_at)) +
                            " ago, older than the device's ttl of " + format_duration(settings_->ttl) +
                            (connection_.is_open() ? std::string()
                                                   : " while waiting for the iTach at " + settings_->address() + " (" +
                                                         reconnect_.last_error() + ")") +
                            "; it was not sent",
                        Duration(0)};
      spdlog::warn("IR command expired. device={} code=\"{}\" reason=\"{}\"", name_, request->code, refusal.message);
      publish(refusal_result(*request, refusal, "expired"));
      continue;
    }
    if (request && connection_.is_open()) {
      drain_replies();
      if (!connection_.is_open()) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.pop_front();
      }
      execute(*request);
      continue;
    }
    // Idle (or waiting for the connection): sleep until something happens.
    auto wake_at = SteadyClock::now() + std::chrono::seconds(1);
    if (!connection_.is_open()) wake_at = std::min(wake_at, reconnect_.next_attempt());
    if (request) {
      const auto expires = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                    request->issued_at + settings_->ttl - wall_now);
      wake_at = std::min(wake_at, expires + std::chrono::milliseconds(1));
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - SteadyClock::now()).count();
    pollfd fds[2] = {{worker_.waker().fd(), POLLIN, 0}, {connection_.fd(), POLLIN, 0}};
    const int n = ::poll(fds, connection_.is_open() ? 2 : 1, static_cast<int>(std::max<long long>(0, ms)));
    if (n > 0 && (fds[0].revents & POLLIN)) worker_.waker().clear();
    if (n > 0 && connection_.is_open() && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) drain_replies();
  }
  connection_.close();
  online_ = false;
  publish_pending_results();
  std::deque<IrRequest> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(requests_);
  }
  for (const auto& request : left)
    publish(refusal_result(request, {"stopping", "dropped: the gateway stopped before it was sent", Duration(0)},
                           "expired"));
  spdlog::debug("IR device stopped. device={}", name_);
}

}  // namespace edgebridge::ir_tcp
