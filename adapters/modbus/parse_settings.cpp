#include "modbus/parse_settings.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <tuple>
#include <map>
#include <set>
#include <sstream>

#include "core/topic_names.hpp"
#include "modbus/bus_load.hpp"
#include "modbus/value_codec.hpp"

namespace edgebridge::modbus {
namespace {

const std::vector<std::string> kTables = {"holding", "input", "coil", "discrete"};
const std::vector<std::string> kTypes = {"uint16", "int16",  "uint32", "int32",   "float32",
                                         "uint64", "int64",  "float64", "bool",   "string"};
// Subtopics the device itself uses; a register may not be named like them when
// each value gets its own subtopic.
const std::vector<std::string> kReservedSubtopics = {"status", "error", "set", "meta"};

Table table_from(const std::string& s) {
  if (s == "coil") return Table::coil;
  if (s == "discrete") return Table::discrete;
  if (s == "input") return Table::input;
  return Table::holding;
}

ValueType type_from(const std::string& s) {
  static const std::map<std::string, ValueType> types = {
      {"bool", ValueType::boolean},     {"int16", ValueType::int16},     {"uint16", ValueType::uint16},
      {"int32", ValueType::int32},      {"uint32", ValueType::uint32},   {"float32", ValueType::float32},
      {"int64", ValueType::int64},      {"uint64", ValueType::uint64},   {"float64", ValueType::float64},
      {"string", ValueType::string}};
  auto it = types.find(s);
  return it == types.end() ? ValueType::uint16 : it->second;
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string range_text(const RegisterSpec& r) {
  const long last = static_cast<long>(r.address) + std::max(1, r.span()) - 1;
  std::string text = std::string(to_string(r.table)) + " " + std::to_string(r.address);
  if (last != r.address) text += "-" + std::to_string(last);
  return text;
}

std::string ms_text(double ms) {
  std::ostringstream out;
  if (ms >= 1000)
    out << std::fixed << std::setprecision(ms >= 10'000 ? 0 : 1) << ms / 1000 << " s";
  else
    out << std::fixed << std::setprecision(ms >= 10 ? 0 : 1) << ms << " ms";
  return out.str();
}

// Durations within [min, max]; errors at the key.
Duration bounded_duration(MapReader& r, const char* key, Duration fallback, Duration min, Duration max) {
  YAML::Node node = r.raw(key);
  auto d = r.optional_duration(key);
  if (!d) return fallback;
  if (*d < min || *d > max) {
    r.context().error(node, r.key_path(key),
                      format_duration(*d) + " is out of range; use " + format_duration(min) + " to " +
                          format_duration(max));
    return fallback;
  }
  return *d;
}

void check_topic(MapReader& r, const char* key, const std::string& topic) {
  if (auto why = topic_name_problem(topic); !why.empty()) r.context().error(r.raw(key), r.key_path(key), why);
}

class SettingsParser {
 public:
  SettingsParser(MapReader& entry, DeviceConfig& device, Transport transport)
      : entry_(entry), ctx_(entry.context()), device_(device), transport_(transport) {}

  std::shared_ptr<const ModbusSettings> parse() {
    const std::size_t errors_before = ctx_.diag().error_count();
    auto s = std::make_shared<ModbusSettings>();
    settings_ = s.get();
    s->where = device_.where;
    s->path = entry_.path();
    s->topic = device_.topic;
    s->bus.transport = transport_;
    read_connection();
    read_timing();
    read_limits();
    read_registers();
    s->command_ttl = bounded_duration(entry_, "command_ttl", s->command_ttl, Duration(100), Duration(86'400'000));
    read_writes();
    read_output();
    read_topics();
    if (ctx_.diag().error_count() != errors_before) return nullptr;
    s->plan = plan_reads(s->registers, s->limits);
    check_poll_fits();
    if (ctx_.diag().error_count() != errors_before) return nullptr;
    return s;
  }

 private:
  void read_connection() {
    auto& s = *settings_;
    if (transport_ == Transport::rtu) {
      YAML::Node port_node = entry_.raw("port");
      s.bus_where = port_node.IsDefined() ? ctx_.location(port_node) : device_.where;
      s.bus.serial.port = entry_.required_string("port");
      if (!s.bus.serial.port.empty() && s.bus.serial.port.front() != '/')
        ctx_.error(port_node, entry_.key_path("port"),
                   "\"" + s.bus.serial.port + "\" is not a device path; write e.g. /dev/ttyUSB0 or "
                   "/dev/serial/by-id/usb-FTDI_...-port0 (stable when the adapter is replugged)");
      if (YAML::Node serial_node = entry_.raw("serial"); serial_node.IsDefined() && !serial_node.IsNull())
        s.bus_where = ctx_.location(serial_node);
      MapReader serial = entry_.child("serial");
      auto& line = s.bus.serial;
      line.baud = static_cast<int>(serial.integer("baud", line.baud, 300, 4'000'000));
      const std::string parity =
          serial.choice("parity", "N", {"N", "E", "O", "none", "even", "odd"});
      line.parity = parity == "E" || parity == "even" ? 'E' : parity == "O" || parity == "odd" ? 'O' : 'N';
      line.data_bits = static_cast<int>(serial.integer("data_bits", line.data_bits, 7, 8));
      line.stop_bits = static_cast<int>(serial.integer("stop_bits", line.stop_bits, 1, 2));
      line.rs485 = serial.boolean("rs485", line.rs485);
      line.rts = serial.choice("rts", line.rts, {"none", "up", "down"});
      serial.finish();
      s.unit_id = static_cast<int>(entry_.integer("unit_id", 1, 1, 247));
    } else {
      YAML::Node host_node = entry_.raw("host");
      s.bus_where = host_node.IsDefined() ? ctx_.location(host_node) : device_.where;
      s.bus.tcp.host = entry_.required_string("host");
      s.bus.tcp.port = static_cast<int>(entry_.integer("port", 502, 1, 65535));
      s.unit_id = static_cast<int>(entry_.integer("unit_id", 1, 0, 255));
    }
    MapReader reconnect = entry_.child("reconnect");
    s.bus.reconnect.min_delay =
        bounded_duration(reconnect, "min", s.bus.reconnect.min_delay, Duration(1000), Duration(3'600'000));
    s.bus.reconnect.max_delay =
        bounded_duration(reconnect, "max", s.bus.reconnect.max_delay, Duration(1000), Duration(3'600'000));
    if (s.bus.reconnect.max_delay < s.bus.reconnect.min_delay)
      ctx_.error(reconnect.raw("max"), reconnect.key_path("max"), "must not be less than reconnect.min");
    reconnect.finish();
  }

  void read_timing() {
    auto& s = *settings_;
    YAML::Node poll_node = entry_.raw("poll");
    s.poll_where = poll_node.IsDefined() ? ctx_.location(poll_node) : device_.where;
    s.poll = bounded_duration(entry_, "poll", s.poll, Duration(10), Duration(86'400'000));
    s.timeout = bounded_duration(entry_, "timeout", s.timeout, Duration(10), Duration(60'000));
    s.retries = static_cast<int>(entry_.integer("retries", s.retries, 0, 10));
    s.offline_after = static_cast<int>(entry_.integer("offline_after", s.offline_after, 1, 1000));
    YAML::Node gap = entry_.raw("frame_gap");
    const bool automatic = !gap.IsDefined() || gap.IsNull() || (gap.IsScalar() && gap.Scalar() == "auto");
    if (automatic)
      s.frame_gap = transport_ == Transport::rtu ? auto_frame_gap(s.bus.serial) : Duration(0);
    else
      s.frame_gap = bounded_duration(entry_, "frame_gap", Duration(0), Duration(0), Duration(10'000));
  }

  void read_limits() {
    auto& limits = settings_->limits;
    MapReader requests = entry_.child("requests");
    limits.max_gap = static_cast<int>(requests.integer("max_gap", limits.max_gap, 0, 2000));
    limits.max_registers = static_cast<int>(requests.integer("max_registers", limits.max_registers, 1, 125));
    limits.max_bits = static_cast<int>(requests.integer("max_bits", limits.max_bits, 1, 2000));
    requests.finish();
  }

  void read_registers() {
    auto& s = *settings_;
    auto items = entry_.sequence("registers");
    if (items.empty() && !entry_.has("registers")) {
      ctx_.error(entry_.node(), entry_.key_path("registers"),
                 "is required: list what to read, e.g. - { name: temperature, address: 0, type: int16, scale: 0.1 }");
      return;
    }
    std::map<std::string, Location> names;
    for (auto& [node, path] : items) {
      MapReader r(ctx_, node, path);
      if (!node.IsMap()) continue;
      RegisterSpec spec;
      spec.where = ctx_.location(node);
      if (read_register(r, spec)) {
        if (auto [it, fresh] = names.emplace(spec.name, spec.where); !fresh)
          ctx_.error(r.raw("name"), r.key_path("name"),
                     "another register of this device is named \"" + spec.name + "\" (line " +
                         std::to_string(it->second.line) + ")");
        else {
          s.registers.push_back(spec);
          address_where_.push_back(ctx_.location(r.node()["address"]));
          register_paths_.push_back(path);
        }
      }
      r.finish();
    }
    check_overlaps();
  }

  bool read_register(MapReader& r, RegisterSpec& spec) {
    const std::size_t errors_before = ctx_.diag().error_count();
    YAML::Node name_node = r.raw("name");
    spec.name = r.required_string("name");
    if (!spec.name.empty() && !valid_name(spec.name))
      ctx_.error(name_node, r.key_path("name"),
                 "\"" + spec.name + "\" is not a valid register name; use letters, digits, '-' or '_'");
    else if (spec.name == "ts")
      ctx_.error(name_node, r.key_path("name"), "\"ts\" is reserved: every reading carries its time under \"ts\"");

    spec.table = table_from(r.choice("table", "holding", kTables));
    YAML::Node address_node = r.raw("address");
    if (!address_node.IsDefined() || address_node.IsNull())
      ctx_.error(r.node(), r.key_path("address"),
                 "is required but missing: the protocol address, from 0 (a manual's 40001 is holding 0, 30001 input 0)");
    spec.address = static_cast<std::uint16_t>(r.integer("address", 0, 0, 65535));

    YAML::Node bit_node = r.raw("bit");
    if (auto bit = r.optional_integer("bit", 0, 15)) spec.bit = static_cast<int>(*bit);
    const bool bit_table = is_bit_table(spec.table);
    const std::string default_type = bit_table || spec.bit >= 0 ? "bool" : "uint16";
    YAML::Node type_node = r.raw("type");
    spec.type = type_from(r.choice("type", default_type, kTypes));

    if (bit_table && spec.type != ValueType::boolean)
      ctx_.error(type_node, r.key_path("type"),
                 std::string("the ") + to_string(spec.table) + " table holds single bits: type must be bool");
    if (bit_table && spec.bit >= 0)
      ctx_.error(bit_node, r.key_path("bit"),
                 std::string("bit: picks one bit of a 16-bit register; a ") + to_string(spec.table) +
                     " is already a single bit");
    if (!bit_table && spec.type == ValueType::boolean && spec.bit < 0)
      ctx_.error(type_node, r.key_path("type"),
                 "a bool in a register table needs bit: 0-15 (which bit of the register), or use table: coil or discrete");
    if (!bit_table && spec.bit >= 0 && spec.type != ValueType::boolean)
      ctx_.error(bit_node, r.key_path("bit"), std::string("bit: makes the value a bool; remove type: ") +
                                                  to_string(spec.type) + " or write type: bool");

    YAML::Node length_node = r.raw("length");
    if (spec.type == ValueType::string) {
      if (!length_node.IsDefined() || length_node.IsNull())
        ctx_.error(type_node, r.key_path("length"), "a string needs length: its size in registers (two characters each)");
      spec.length = static_cast<int>(r.integer("length", 1, 1, 65536));
      const int limit = settings_->limits.max_registers;
      if (spec.length > limit)
        ctx_.error(length_node, r.key_path("length"),
                   "a string of " + std::to_string(spec.length) + " registers is longer than one request can read (" +
                       std::to_string(limit) + " registers" +
                       (limit < 125 ? ", requests.max_registers" : ", the Modbus limit") + ")");
    } else if (length_node.IsDefined() && !length_node.IsNull()) {
      ctx_.error(length_node, r.key_path("length"), "length: is only for type: string");
    }

    YAML::Node order_node = r.raw("order");
    if (auto order = r.optional_string("order")) {
      if (bit_table) {
        ctx_.error(order_node, r.key_path("order"), "a single bit has no byte order");
      } else {
        std::string why;
        if (auto expanded = expand_order(*order, spec.type, why))
          spec.order = *expanded;
        else
          ctx_.error(order_node, r.key_path("order"), why);
      }
    } else if (!bit_table) {
      std::string why;
      spec.order = expand_order("ABCD", spec.type, why).value_or("AB");
    }

    const bool numeric = !bit_table && spec.type != ValueType::boolean && spec.type != ValueType::string;
    for (const char* key : {"scale", "offset", "decimals", "deadband"}) {
      if (!numeric && r.has(key))
        ctx_.error(r.raw(key), r.key_path(key), std::string(key) + ": applies to numbers, not to a " + to_string(spec.type));
    }
    YAML::Node scale_node = r.raw("scale");
    spec.scale = r.number("scale", 1.0);
    if (spec.scale == 0.0 || !std::isfinite(spec.scale))
      ctx_.error(scale_node, r.key_path("scale"), "must be a non-zero number (published = raw × scale + offset)");
    spec.offset = r.number("offset", 0.0);
    if (auto decimals = r.optional_integer("decimals", 0, 9)) spec.decimals = static_cast<int>(*decimals);
    YAML::Node deadband_node = r.raw("deadband");
    spec.deadband = r.number("deadband", 0.0);
    if (spec.deadband < 0) ctx_.error(deadband_node, r.key_path("deadband"), "must not be negative");
    spec.unit = r.string("unit", "");

    const long last = static_cast<long>(spec.address) + std::max(1, spec.span()) - 1;
    if (last > 65535)
      ctx_.error(address_node, r.key_path("address"),
                 "a " + std::string(to_string(spec.type)) + " at " + std::to_string(spec.address) + " needs " +
                     std::to_string(spec.span()) + " registers and would end at " + std::to_string(last) +
                     "; the last address is 65535");
    return ctx_.diag().error_count() == errors_before;
  }

  // Two values may share an address only when at least one of them is one bit
  // of a register (bits are views of a register); otherwise a typo in an
  // address would silently publish the wrong bytes.
  void check_overlaps() {
    const auto& regs = settings_->registers;
    for (std::size_t i = 0; i < regs.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        const auto& a = regs[j];
        const auto& b = regs[i];
        if (a.table != b.table) continue;
        const long a_end = static_cast<long>(a.address) + a.span() - 1;
        const long b_end = static_cast<long>(b.address) + b.span() - 1;
        if (b.address > a_end || a.address > b_end) continue;
        if (a.is_bit_field() != b.is_bit_field()) continue;
        if (a.is_bit_field() && a.bit != b.bit) continue;
        ctx_.diag().error(address_where_[i], register_paths_[i] + ".address",
                   "\"" + b.name + "\" (" + range_text(b) + ") overlaps \"" + a.name + "\" (" + range_text(a) +
                       ", line " + std::to_string(a.where.line) + "); check both addresses and types");
      }
    }
  }

  void read_writes() {
    auto& s = *settings_;
    std::set<std::string> seen;
    for (auto& [node, path] : entry_.sequence("writes")) {
      MapReader w(ctx_, node, path);
      if (!node.IsMap()) continue;
      WriteRule rule;
      rule.ttl = s.command_ttl;
      YAML::Node reg_node = w.raw("register");
      rule.register_name = w.required_string("register");
      const RegisterSpec* reg = s.find_register(rule.register_name);
      if (!rule.register_name.empty() && !reg) {
        std::vector<std::string> names;
        for (const auto& r : s.registers) names.push_back(r.name);
        std::string msg = "no register named \"" + rule.register_name + "\" under registers";
        if (auto guess = did_you_mean(rule.register_name, names); !guess.empty())
          msg += "; did you mean \"" + guess + "\"?";
        ctx_.error(reg_node, w.key_path("register"), msg);
      } else if (reg && !seen.insert(reg->name).second) {
        ctx_.error(reg_node, w.key_path("register"), "\"" + reg->name + "\" is listed under writes twice; keep one");
      }
      YAML::Node min_node = w.raw("min");
      YAML::Node max_node = w.raw("max");
      YAML::Node values_node = w.raw("values");
      rule.min = w.optional_number("min");
      rule.max = w.optional_number("max");
      std::vector<std::string> values = w.string_list("values");
      rule.ttl = bounded_duration(w, "ttl", rule.ttl, Duration(100), Duration(86'400'000));
      rule.write_multiple = w.boolean("write_multiple", false);
      w.finish();
      if (!reg) continue;
      rule.register_index = static_cast<std::size_t>(reg - s.registers.data());

      if (reg->table == Table::input || reg->table == Table::discrete) {
        ctx_.error(reg_node, w.key_path("register"),
                   "\"" + reg->name + "\" is in the " + to_string(reg->table) +
                       " table, which is read-only; only coils and holding registers can be written");
        continue;
      }
      if (reg->is_bit_field()) {
        ctx_.error(reg_node, w.key_path("register"),
                   "\"" + reg->name + "\" is one bit of a holding register; writing single bits of a register is "
                   "not supported (write the whole register as a uint16, or use a coil)");
        continue;
      }
      if (reg->type == ValueType::string) {
        ctx_.error(reg_node, w.key_path("register"), "\"" + reg->name + "\" is a string; strings cannot be written");
        continue;
      }
      if (reg->table == Table::coil) {
        if (rule.min || rule.max)
          ctx_.error(rule.min ? min_node : max_node, w.key_path(rule.min ? "min" : "max"),
                     "a coil is on or off: list the allowed values instead, e.g. values: [true, false]");
        if (values.empty()) {
          ctx_.error(node, w.key_path("values"),
                     "is required for the coil \"" + reg->name +
                         "\": the values a command may set, e.g. values: [true, false] or values: [false]");
        }
        for (std::size_t i = 0; i < values.size(); ++i) {
          const std::string& v = values[i];
          if (v == "true" || v == "on" || v == "1")
            rule.values.push_back(true);
          else if (v == "false" || v == "off" || v == "0")
            rule.values.push_back(false);
          else
            ctx_.error(values_node.IsSequence() ? values_node[i] : values_node, w.key_path("values"),
                       "\"" + v + "\" is not a coil value; use true or false");
        }
      } else {
        if (!values.empty())
          ctx_.error(values_node, w.key_path("values"),
                     "values: is for coils; give a numeric register min: and max: instead");
        if (!rule.min || !rule.max) {
          ctx_.error(node, w.key_path(!rule.min ? "min" : "max"),
                     "is required: a writable register needs both min: and max: (in published units), so no "
                     "command can set a value the installation does not allow");
          continue;
        }
        if (*rule.min > *rule.max) {
          ctx_.error(max_node, w.key_path("max"), "must not be less than min");
          continue;
        }
        for (auto [value, at, key] : {std::tuple{*rule.min, min_node, "min"}, std::tuple{*rule.max, max_node, "max"}}) {
          std::string why;
          if (!encode_value(*reg, value, why))
            ctx_.error(at, w.key_path(key), format_number(value) + " cannot be written to \"" + reg->name +
                                                "\": " + why);
        }
      }
      s.writes.push_back(rule);
    }
  }

  void read_output() {
    auto& o = settings_->output;
    MapReader out = entry_.child("output");
    o.json = out.boolean("json", o.json);
    o.per_register = out.boolean("per_register", o.per_register);
    o.on_change = out.boolean("on_change", o.on_change);
    YAML::Node every_node = out.raw("every");
    o.every = static_cast<int>(out.integer("every", o.every, 0, 1'000'000));
    o.qos = static_cast<int>(out.integer("qos", o.qos, 0, 1));
    o.retain = out.boolean("retain", o.retain);
    o.error_repeat = bounded_duration(out, "error_repeat", o.error_repeat, Duration(0), Duration(86'400'000));
    if (!o.json && !o.per_register)
      ctx_.error(out.raw("json"), out.key_path("json"),
                 "with json: false and per_register: false nothing would be published; enable one");
    if (o.every > 0 && !o.on_change)
      ctx_.error(every_node, out.key_path("every"),
                 "every: applies with on_change: true (without it every poll publishes everything)");
    out.finish();
    if (o.per_register) {
      const auto& regs = settings_->registers;
      for (std::size_t i = 0; i < regs.size(); ++i)
        if (std::find(kReservedSubtopics.begin(), kReservedSubtopics.end(), regs[i].name) != kReservedSubtopics.end())
          ctx_.diag().error(regs[i].where, register_paths_[i] + ".name",
                            "with output.per_register the name \"" + regs[i].name +
                                "\" would publish on the device's own <topic>/" + regs[i].name +
                                " topic; rename the register");
    }
  }

  void read_topics() {
    auto& s = *settings_;
    s.status_topic = s.topic + "/status";
    s.meta_topic = s.topic + "/meta";
    s.errors_topic = entry_.string("errors_topic", s.topic + "/error");
    check_topic(entry_, "errors_topic", s.errors_topic);
    s.command_topic = entry_.string("command_topic", s.topic + "/set");
    check_topic(entry_, "command_topic", s.command_topic);
    s.result_topic = s.command_topic + "/result";
    device_.command_filters = {s.command_topic};
  }

  void check_poll_fits() {
    const auto& s = *settings_;
    const double cost = poll_cost_ms(s);
    const auto poll = static_cast<double>(s.poll.count());
    std::string where_text = s.bus.transport == Transport::rtu
                                 ? "at " + std::to_string(s.bus.serial.baud) + " baud"
                                 : "on " + s.bus.describe();
    if (cost > poll) {
      ctx_.diag().error(s.poll_where, device_path() + ".poll",
                        format_duration(s.poll) + " is shorter than one poll of this device takes " + where_text +
                            ": " + std::to_string(s.plan.size()) + " request(s), about " + ms_text(cost) +
                            "; poll less often" +
                            (s.bus.transport == Transport::rtu ? ", raise the baud rate" : "") +
                            " or read fewer registers");
      return;
    }
    const double worst = worst_poll_ms(s);
    if (worst > poll)
      ctx_.diag().warning(s.poll_where, device_path() + ".poll",
                          format_duration(s.poll) + " is shorter than a poll takes when the device does not answer (" +
                              "timeout " + format_duration(s.timeout) + " × " + std::to_string(1 + s.retries) +
                              " attempts); polls will be skipped while it is silent");
  }

  std::string device_path() const { return entry_.path(); }

  MapReader& entry_;
  ConfigContext& ctx_;
  DeviceConfig& device_;
  Transport transport_;
  ModbusSettings* settings_ = nullptr;
  std::vector<Location> address_where_;     // parallel to settings_->registers
  std::vector<std::string> register_paths_;  // "devices[0].registers[3]"
};

}  // namespace

std::shared_ptr<const ModbusSettings> parse_settings(MapReader& entry, DeviceConfig& device, Transport transport) {
  return SettingsParser(entry, device, transport).parse();
}

void check_buses(const std::vector<const DeviceConfig*>& devices, Diagnostics& diag) {
  struct BusUse {
    const DeviceConfig* first = nullptr;
    double load = 0;  // fraction of the bus's time
    std::vector<std::string> parts;
    bool reported = false;
  };
  std::map<std::string, BusUse> buses;
  std::map<std::pair<std::string, int>, const DeviceConfig*> units;
  for (const DeviceConfig* d : devices) {
    const auto* s = dynamic_cast<const ModbusSettings*>(d->settings.get());
    if (!s) continue;
    const std::string key = s->bus.key();
    BusUse& use = buses[key];
    if (!use.first) {
      use.first = d;
    } else {
      const auto& first = dynamic_cast<const ModbusSettings&>(*use.first->settings);
      const std::string other = "\"" + use.first->name + "\" (line " + std::to_string(use.first->where.line) + ")";
      if (s->bus.transport == Transport::rtu && !(s->bus.serial == first.bus.serial))
        diag.error(s->bus_where, s->path + ".serial",
                   "shares " + s->bus.serial.port + " with " + other + " but sets it up differently (" +
                       s->bus.serial.describe() + (s->bus.serial.rs485 ? " rs485" : "") + " here, " +
                       first.bus.serial.describe() + (first.bus.serial.rs485 ? " rs485" : "") +
                       " there); every device on one line must use the same serial settings");
      if (s->bus.reconnect.min_delay != first.bus.reconnect.min_delay ||
          s->bus.reconnect.max_delay != first.bus.reconnect.max_delay)
        diag.error(s->bus_where, s->path + ".reconnect",
                   "shares " + s->bus.describe() + " with " + other +
                       " but sets reconnect differently; devices on one bus reconnect together");
    }
    if (auto [it, fresh] = units.emplace(std::make_pair(key, s->unit_id), d); !fresh)
      diag.warning(s->where, s->path + ".unit_id",
                   "unit " + std::to_string(s->unit_id) + " on " + s->bus.describe() + " is also device \"" +
                       it->second->name + "\"; both poll the same device");
    const double cost = poll_cost_ms(*s);
    use.load += cost / static_cast<double>(s->poll.count());
    use.parts.push_back(d->name + " " + ms_text(cost) + " every " + format_duration(s->poll));
    if (use.load > 1.0 && !use.reported && use.parts.size() > 1) {
      use.reported = true;
      std::string list;
      for (const auto& p : use.parts) list += (list.empty() ? "" : ", ") + p;
      std::ostringstream pct;
      pct << std::fixed << std::setprecision(0) << use.load * 100;
      diag.error(s->poll_where, s->path + ".poll",
                 "the devices on " + s->bus.describe() + " need about " + pct.str() +
                     "% of its time (" + list + "); poll less often" +
                     (s->bus.transport == Transport::rtu ? ", raise the baud rate" : "") +
                     " or spread the devices over more lines");
    }
  }
}

}  // namespace edgebridge::modbus
