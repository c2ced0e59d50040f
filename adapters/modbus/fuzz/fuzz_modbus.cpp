// Fuzzes what a Modbus device and a command sender control: the register words
// decoded into values (every type, order, bit, length, scale), the coalescing
// planner's invariants, and write command payloads checked against a device's
// writes. Never a crash, never undefined behaviour; plans always cover every
// entry within the limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "loader/loader.hpp"
#include "modbus/modbus_kind.hpp"
#include "modbus/modbus_settings.hpp"
#include "modbus/read_plan.hpp"
#include "modbus/value_codec.hpp"
#include "modbus/write_command.hpp"

using namespace edgebridge;
using namespace edgebridge::modbus;

namespace {

struct Input {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  std::uint8_t byte() { return pos < size ? data[pos++] : 0; }
  std::uint16_t word() { return static_cast<std::uint16_t>((byte() << 8) | byte()); }
};

const ModbusSettings& device() {
  static const Config config = [] {
    LoadOptions options;
    options.check_files = false;
    options.default_gateway_id = "fuzz";
    auto r = load_config_text(R"(
devices:
  - name: climate
    type: modbus_tcp
    host: 127.0.0.1
    topic: sensors/climate
    registers:
      - { name: setpoint, address: 10, type: int16, scale: 0.1 }
      - { name: speed, address: 11, type: uint32, order: CDAB }
      - { name: limit, address: 13, type: float64 }
      - { name: fan, table: coil, address: 0 }
    writes:
      - { register: setpoint, min: 5, max: 35 }
      - { register: speed, min: 0, max: 3000 }
      - { register: limit, min: -1e300, max: 1e300 }
      - { register: fan, values: [true] }
)",
                              "fuzz.yaml", DeviceCatalog{modbus::rtu_kind(), modbus::tcp_kind()}, options);
    if (!r.config) std::abort();
    return *r.config;
  }();
  return dynamic_cast<const ModbusSettings&>(*config.devices.at(0).settings);
}

void fuzz_decode(Input& in) {
  static const ValueType types[] = {ValueType::boolean, ValueType::int16,   ValueType::uint16, ValueType::int32,
                                    ValueType::uint32,  ValueType::float32, ValueType::int64,  ValueType::uint64,
                                    ValueType::float64, ValueType::string};
  static const Table tables[] = {Table::coil, Table::discrete, Table::input, Table::holding};
  RegisterSpec spec;
  spec.type = types[in.byte() % 10];
  spec.table = tables[in.byte() % 4];
  if (is_bit_table(spec.table)) spec.type = ValueType::boolean;
  if (spec.type == ValueType::boolean && !is_bit_table(spec.table)) spec.bit = in.byte() % 16;
  spec.length = 1 + in.byte() % 125;
  std::string order_text;
  for (int i = 0, n = in.byte() % 9; i < n; ++i) order_text += static_cast<char>('A' + in.byte() % 10);
  std::string why;
  spec.order = expand_order(order_text, spec.type, why).value_or(expand_order("ABCD", spec.type, why).value());
  const int scale_pick = in.byte() % 4;
  spec.scale = scale_pick == 0 ? 1.0 : scale_pick == 1 ? 0.1 : scale_pick == 2 ? -0.001 : 1e300;
  spec.offset = (in.byte() % 2) ? -273.15 : 0.0;
  spec.decimals = static_cast<int>(in.byte() % 12) - 2;
  std::vector<std::uint16_t> words(static_cast<std::size_t>(spec.span()));
  for (auto& w : words) w = in.word();
  const nlohmann::json value = decode_value(spec, words.data());
  (void)value.dump();
  (void)decode_raw(spec, words.data());
  if (value.is_number()) {
    auto back = encode_value(spec, value.get<double>(), why);
    if (back && back->size() != words.size() && spec.type != ValueType::boolean) std::abort();
  }
}

void fuzz_plan(Input& in) {
  std::vector<RegisterSpec> regs;
  for (int i = 0, n = in.byte() % 64; i < n; ++i) {
    RegisterSpec r;
    r.table = static_cast<Table>(in.byte() % 4);
    r.address = in.word();
    r.type = is_bit_table(r.table) ? ValueType::boolean : static_cast<ValueType>(1 + in.byte() % 9);
    r.length = 1 + in.byte() % 125;
    if (static_cast<long>(r.address) + r.span() > 65536) continue;
    regs.push_back(r);
  }
  RequestLimits limits;
  limits.max_gap = in.byte() % 40;
  limits.max_registers = 1 + in.byte() % 125;
  limits.max_bits = 1 + in.word() % 2000;
  for (auto& r : regs)
    if (!is_bit_table(r.table) && r.span() > limits.max_registers) r.length = 1, r.type = ValueType::uint16;
  auto plan = plan_reads(regs, limits);
  std::vector<int> covered(regs.size(), 0);
  for (const auto& req : plan) {
    const int limit = is_bit_table(req.table) ? limits.max_bits : limits.max_registers;
    if (req.count == 0 || req.count > limit) std::abort();
    for (std::size_t m : req.members) {
      const auto& r = regs[m];
      ++covered[m];
      if (r.table != req.table || r.address < req.start || r.address + r.span() > req.start + req.count) std::abort();
    }
    for (const auto& part : split_request(req, regs, limits))
      if (part.count > req.count) std::abort();
  }
  for (int c : covered)
    if (c != 1) std::abort();
}

void fuzz_command(Input& in) {
  const std::string payload(reinterpret_cast<const char*>(in.data + in.pos), in.size - in.pos);
  const auto now = WallClock::now();
  auto checked = check_write_payload(device(), payload, now, now);
  if (checked.verdict == Verdict::accepted && checked.command.words.empty() && checked.command.table != Table::coil)
    std::abort();
  (void)result_payload("climate", checked.command.register_name, checked.command.value, checked.command.id,
                       to_string(checked.verdict), checked.why, now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  switch (in.byte() % 3) {
    case 0: fuzz_decode(in); break;
    case 1: fuzz_plan(in); break;
    default: fuzz_command(in); break;
  }
  return 0;
}
