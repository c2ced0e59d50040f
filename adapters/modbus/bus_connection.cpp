#include "bus_connection.hpp"

#include <modbus/modbus.h>
#include <sys/file.h>

#include <cerrno>
#include <thread>

#include "core/text.hpp"

namespace edgebridge::modbus {
namespace {

void set_timeout(modbus_t* ctx, std::chrono::milliseconds t, bool byte_timeout) {
  const auto ms = static_cast<std::uint32_t>(std::max<long long>(1, t.count()));
  if (byte_timeout)
    modbus_set_byte_timeout(ctx, ms / 1000, (ms % 1000) * 1000);
  else
    modbus_set_response_timeout(ctx, ms / 1000, (ms % 1000) * 1000);
}

Outcome classify(int err) {
  if (err == ETIMEDOUT) return Outcome::timeout;
  if (err > MODBUS_ENOBASE && err <= EMBXGTAR) return Outcome::exception;
  if (err == EMBBADCRC || err == EMBBADDATA || err == EMBBADEXC || err == EMBUNKEXC || err == EMBMDATA ||
      err == EMBBADSLAVE)
    return Outcome::bad_frame;
  return Outcome::link_down;
}

}  // namespace

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::exception: return "exception";
    case Outcome::timeout: return "timeout";
    case Outcome::bad_frame: return "bad_frame";
    case Outcome::link_down: return "link_down";
  }
  return "?";
}

BusConnection::BusConnection(BusSettings settings) : settings_(std::move(settings)) {}

BusConnection::~BusConnection() { close(); }

bool BusConnection::connect(std::string& why, std::chrono::milliseconds connect_timeout) {
  close();
  note_.clear();
  if (settings_.transport == Transport::rtu) {
    const auto& s = settings_.serial;
    ctx_ = modbus_new_rtu(s.port.c_str(), s.baud, s.parity, s.data_bits, s.stop_bits);
  } else {
    ctx_ = modbus_new_tcp_pi(settings_.tcp.host.c_str(), std::to_string(settings_.tcp.port).c_str());
  }
  if (!ctx_) {
    why = std::string("cannot set up libmodbus: ") + modbus_strerror(errno);
    return false;
  }
  modbus_set_error_recovery(ctx_, MODBUS_ERROR_RECOVERY_NONE);
  set_timeout(ctx_, connect_timeout, false);
  if (modbus_connect(ctx_) != 0) {
    why = modbus_strerror(errno);
    modbus_free(ctx_);
    ctx_ = nullptr;
    return false;
  }
  if (settings_.transport == Transport::rtu) {
    // Two processes on one RS-485 line garble each other's frames: take the
    // port exclusively (the commissioning CLI and the service use the same lock).
    if (::flock(modbus_get_socket(ctx_), LOCK_EX | LOCK_NB) != 0) {
      why = errno == EWOULDBLOCK ? "the port is in use by another process (is the edgebridge service running? "
                                   "stop it while you use the commissioning CLI)"
                                 : std::string("cannot lock the port: ") + errno_text(errno);
      close();
      return false;
    }
    if (settings_.serial.rs485 && modbus_rtu_set_serial_mode(ctx_, MODBUS_RTU_RS485) != 0)
      note_ = std::string("the driver does not support the kernel's RS-485 mode (") + errno_text(errno) +
              "); continuing in RS-232 mode: use an adapter with automatic direction control, or rts:";
    if (settings_.serial.rts == "up")
      modbus_rtu_set_rts(ctx_, MODBUS_RTU_RTS_UP);
    else if (settings_.serial.rts == "down")
      modbus_rtu_set_rts(ctx_, MODBUS_RTU_RTS_DOWN);
    modbus_flush(ctx_);
  }
  last_activity_ = std::chrono::steady_clock::now();
  return true;
}

void BusConnection::close() {
  if (!ctx_) return;
  modbus_close(ctx_);
  modbus_free(ctx_);
  ctx_ = nullptr;
}

void BusConnection::wait_frame_gap(std::chrono::milliseconds gap) {
  if (gap.count() <= 0) return;
  std::this_thread::sleep_until(last_activity_ + gap);
}

void BusConnection::recover_after_error() {
  if (!ctx_) return;
  if (settings_.transport == Transport::tcp) {
    // A late answer would arrive as the answer to the next request: start a
    // fresh connection rather than guess which bytes belong to whom.
    std::string why;
    if (!connect(why)) close();
  } else {
    modbus_flush(ctx_);
  }
}

template <typename Call>
Result BusConnection::run(const Exchange& x, Call&& call) {
  Result result;
  bool reconnected = false;
  for (int attempt = 0; attempt < std::max(1, x.attempts); ++attempt) {
    if (!ctx_) {
      result.outcome = Outcome::link_down;
      if (result.error.empty()) result.error = "not connected";
      return result;
    }
    wait_frame_gap(x.frame_gap);
    modbus_set_slave(ctx_, x.unit);
    set_timeout(ctx_, x.timeout, false);
    set_timeout(ctx_, std::min(x.timeout, std::chrono::milliseconds(100)), true);
    ++result.attempts;
    errno = 0;
    const int rc = call(ctx_);
    const int err = errno;
    last_activity_ = std::chrono::steady_clock::now();
    if (rc >= 0) {
      result.outcome = Outcome::ok;
      result.error.clear();
      return result;
    }
    result.outcome = classify(err);
    result.error = modbus_strerror(err);
    if (result.outcome == Outcome::timeout) ++result.timeouts;
    if (result.outcome == Outcome::bad_frame) ++result.bad_frames;
    if (result.outcome == Outcome::exception) {
      result.exception_code = err - MODBUS_ENOBASE;
      return result;
    }
    if (result.outcome == Outcome::link_down) {
      close();
      // Modbus TCP devices often close connections that were idle a while: the
      // first request after that finds the connection reset. Connect again and
      // repeat it once before calling the link down.
      std::string why;
      if (settings_.transport == Transport::tcp && !reconnected && connect(why)) {
        reconnected = true;
        --result.attempts;
        --attempt;
        continue;
      }
      return result;
    }
    recover_after_error();
  }
  return result;
}

Result BusConnection::read(const Exchange& x, const ReadRequest& request, std::vector<std::uint16_t>& out) {
  out.assign(request.count, 0);
  if (is_bit_table(request.table)) {
    std::vector<std::uint8_t> bits(request.count, 0);
    auto result = run(x, [&](modbus_t* ctx) {
      return request.table == Table::coil ? modbus_read_bits(ctx, request.start, request.count, bits.data())
                                          : modbus_read_input_bits(ctx, request.start, request.count, bits.data());
    });
    for (std::size_t i = 0; i < bits.size(); ++i) out[i] = bits[i] ? 1 : 0;
    return result;
  }
  return run(x, [&](modbus_t* ctx) {
    return request.table == Table::holding ? modbus_read_registers(ctx, request.start, request.count, out.data())
                                           : modbus_read_input_registers(ctx, request.start, request.count, out.data());
  });
}

Result BusConnection::write(const Exchange& x, const WriteCommand& command) {
  return run(x, [&](modbus_t* ctx) {
    if (command.table == Table::coil) {
      if (command.multiple) {
        const std::uint8_t bit = command.coil ? 1 : 0;
        return modbus_write_bits(ctx, command.address, 1, &bit);
      }
      return modbus_write_bit(ctx, command.address, command.coil ? 1 : 0);
    }
    if (command.multiple)
      return modbus_write_registers(ctx, command.address, static_cast<int>(command.words.size()), command.words.data());
    return modbus_write_register(ctx, command.address, command.words.at(0));
  });
}

}  // namespace edgebridge::modbus
