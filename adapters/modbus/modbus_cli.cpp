// Commissioning: `edgebridge modbus read` reads a configured device once and
// prints every value with its raw registers; `edgebridge modbus scan` asks a
// range of unit ids on a line or TCP endpoint who answers. Both speak to the
// bus directly (stop the service first on a serial line: the port is locked).
#include <CLI/CLI.hpp>

#include <iomanip>
#include <iostream>
#include <sstream>

#include "core/json_text.hpp"
#include "loader/loader.hpp"
#include "modbus/bus_connection.hpp"
#include "modbus/bus_load.hpp"
#include "modbus/modbus_kind.hpp"
#include "modbus/value_codec.hpp"

namespace edgebridge::modbus {
namespace {

std::string hex_words(const std::uint16_t* words, int count, bool bits) {
  std::ostringstream out;
  for (int i = 0; i < count; ++i) {
    if (i) out << ' ';
    if (bits)
      out << words[i];
    else
      out << "0x" << std::hex << std::uppercase << std::setw(4) << std::setfill('0') << words[i] << std::dec;
  }
  return out.str();
}

std::string outcome_text(const Result& r) {
  switch (r.outcome) {
    case Outcome::ok: return "ok";
    case Outcome::exception: return "exception " + std::to_string(r.exception_code) + " (" + r.error + ")";
    case Outcome::timeout: return "no answer (" + r.error + ")";
    case Outcome::bad_frame: return "garbled answer (" + r.error + ")";
    case Outcome::link_down: return "link failed (" + r.error + ")";
  }
  return r.error;
}

struct ReadOptions {
  std::string config_path = "/etc/edgebridge/bridge.yaml";
  std::string device;
  std::string register_name;
};

int read_command(const ReadOptions& o, const DeviceCatalog& catalog) {
  auto loaded = load_config_file(o.config_path, catalog);
  if (!loaded.config) {
    std::cerr << loaded.diagnostics.format_all();
    std::cerr << o.config_path << ": " << loaded.diagnostics.error_count() << " error(s)\n";
    return kExitBadConfig;
  }
  const DeviceConfig* device = loaded.config->find_device(o.device);
  const auto* settings = device ? dynamic_cast<const ModbusSettings*>(device->settings.get()) : nullptr;
  if (!settings) {
    std::cerr << "no Modbus device named \"" << o.device << "\" in " << o.config_path << "; Modbus devices:";
    for (const auto& d : loaded.config->devices)
      if (dynamic_cast<const ModbusSettings*>(d.settings.get())) std::cerr << " " << d.name;
    std::cerr << "\n";
    return kExitUsage;
  }
  std::vector<RegisterSpec> registers = settings->registers;
  if (!o.register_name.empty()) {
    const RegisterSpec* one = settings->find_register(o.register_name);
    if (!one) {
      std::cerr << "device \"" << o.device << "\" has no register \"" << o.register_name << "\"; registers:";
      for (const auto& r : registers) std::cerr << " " << r.name;
      std::cerr << "\n";
      return kExitUsage;
    }
    registers = {*one};
  }
  const auto plan = plan_reads(registers, settings->limits);
  std::cout << o.device << ": " << device->type << " " << settings->bus.describe();
  if (settings->bus.transport == Transport::rtu)
    std::cout << " " << settings->bus.serial.baud << " " << settings->bus.serial.data_bits
              << settings->bus.serial.parity << settings->bus.serial.stop_bits;
  std::cout << ", unit " << settings->unit_id << ", timeout " << format_duration(settings->timeout) << ", frame gap "
            << format_duration(settings->frame_gap) << "\n";
  std::cout << "plan: " << plan.size() << " request(s) per poll";
  for (std::size_t i = 0; i < plan.size(); ++i) std::cout << (i ? ", " : ": ") << plan[i].describe();
  std::cout << "\n";

  BusConnection link(settings->bus);
  std::string why;
  if (!link.connect(why)) {
    std::cerr << "cannot open " << settings->bus.describe() << ": " << why << "\n";
    return kExitUnavailable;
  }
  if (auto note = link.last_connect_note(); !note.empty()) std::cerr << "note: " << note << "\n";
  Exchange x;
  x.unit = settings->unit_id;
  x.timeout = settings->timeout;
  x.frame_gap = settings->frame_gap;
  x.attempts = 1 + settings->retries;
  bool all_ok = true;
  std::size_t width = 8;
  for (const auto& r : registers) width = std::max(width, r.name.size());
  for (const auto& request : plan) {
    std::vector<std::uint16_t> words;
    const auto started = std::chrono::steady_clock::now();
    const Result r = link.read(x, request, words);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    std::cout << "\n" << request.describe() << ": " << outcome_text(r) << " in " << ms.count() << " ms";
    if (r.attempts > 1) std::cout << " (" << r.attempts << " attempts)";
    std::cout << "\n";
    all_ok = all_ok && r.outcome == Outcome::ok;
    for (std::size_t m : request.members) {
      const RegisterSpec& spec = registers[m];
      std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << spec.name << std::right << "  "
                << std::setw(8) << to_string(spec.table) << " " << std::setw(5) << spec.address << "  " << std::left
                << std::setw(7) << to_string(spec.type) << std::right;
      if (r.outcome != Outcome::ok) {
        std::cout << "  -\n";
        continue;
      }
      const std::uint16_t* at = words.data() + (spec.address - request.start);
      std::cout << "  " << hex_words(at, spec.span(), is_bit_table(spec.table)) << "  = "
                << dump_json(decode_value(spec, at));
      if (!spec.unit.empty()) std::cout << " " << spec.unit;
      std::cout << "\n";
    }
  }
  return all_ok ? kExitOk : kExitUnavailable;
}

struct ScanOptions {
  std::string port;
  int baud = 9600;
  std::string parity = "N";
  int data_bits = 8;
  int stop_bits = 1;
  std::string host;
  int tcp_port = 502;
  std::string units = "1-247";
  std::string timeout = "200ms";
  std::string table = "holding";
  int address = 0;
};

// "1-20", "1,3,5-7" → unit ids; empty + why when invalid.
std::vector<int> parse_units(const std::string& text, int lowest, std::string& why) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    int a = 0, b = 0;
    char dash = 0;
    std::stringstream p(part);
    if (!(p >> a)) {
      why = "\"" + part + "\" is not a unit id or range";
      return {};
    }
    b = a;
    if (p >> dash) {
      if (dash != '-' || !(p >> b)) {
        why = "\"" + part + "\" is not a unit id or range (write 1-20)";
        return {};
      }
    }
    if (a < lowest || b > 255 || a > b) {
      why = "\"" + part + "\" is out of range (" + std::to_string(lowest) + "-247 on serial, 0-255 on TCP)";
      return {};
    }
    for (int u = a; u <= b; ++u) out.push_back(u);
  }
  if (out.empty()) why = "no unit ids given";
  return out;
}

int scan_command(const ScanOptions& o) {
  if (o.port.empty() == o.host.empty()) {
    std::cerr << "give either --port (a serial line) or --host (a Modbus TCP endpoint)\n";
    return kExitUsage;
  }
  BusSettings bus;
  bus.transport = o.port.empty() ? Transport::tcp : Transport::rtu;
  bus.serial.port = o.port;
  bus.serial.baud = o.baud;
  bus.serial.parity = o.parity.empty() ? 'N' : static_cast<char>(std::toupper(static_cast<unsigned char>(o.parity[0])));
  bus.serial.data_bits = o.data_bits;
  bus.serial.stop_bits = o.stop_bits;
  bus.tcp.host = o.host;
  bus.tcp.port = o.tcp_port;
  std::string why;
  const auto units = parse_units(o.units, bus.transport == Transport::rtu ? 1 : 0, why);
  if (units.empty()) {
    std::cerr << "--units: " << why << "\n";
    return kExitUsage;
  }
  auto timeout = parse_duration(o.timeout, why);
  if (!timeout) {
    std::cerr << "--timeout: " << why << "\n";
    return kExitUsage;
  }
  ReadRequest probe;
  probe.table = o.table == "coil"       ? Table::coil
                : o.table == "discrete" ? Table::discrete
                : o.table == "input"    ? Table::input
                                        : Table::holding;
  probe.start = static_cast<std::uint16_t>(o.address);
  probe.count = 1;

  BusConnection link(bus);
  if (!link.connect(why)) {
    std::cerr << "cannot open " << bus.describe() << ": " << why << "\n";
    return kExitUnavailable;
  }
  std::cout << "scanning " << (bus.transport == Transport::rtu ? bus.serial.describe() : bus.describe()) << ", "
            << units.size() << " unit id(s), reading " << probe.describe() << ", timeout "
            << format_duration(*timeout) << "\n";
  Exchange x;
  x.timeout = *timeout;
  x.frame_gap = bus.transport == Transport::rtu ? auto_frame_gap(bus.serial) : Duration(0);
  std::vector<int> found;
  int garbled = 0;
  for (int unit : units) {
    x.unit = unit;
    std::vector<std::uint16_t> words;
    const Result r = link.read(x, probe, words);
    std::cout << "  unit " << std::setw(3) << unit << ": ";
    switch (r.outcome) {
      case Outcome::ok:
        std::cout << "answers (" << probe.describe() << " = " << hex_words(words.data(), 1, is_bit_table(probe.table))
                  << ")\n";
        found.push_back(unit);
        break;
      case Outcome::exception:
        std::cout << "answers with exception " << r.exception_code << " (" << r.error
                  << "): a device is there; try another --table or --address\n";
        found.push_back(unit);
        break;
      case Outcome::timeout: std::cout << "no answer\n"; break;
      case Outcome::bad_frame:
        ++garbled;
        std::cout << "garbled answer (" << r.error << ")\n";
        break;
      case Outcome::link_down:
        std::cout << "link failed (" << r.error << ")\n";
        std::cerr << "the link to " << bus.describe() << " failed; scan stopped\n";
        return kExitUnavailable;
    }
  }
  if (found.empty()) {
    std::cout << "no unit answered.";
    if (bus.transport == Transport::rtu)
      std::cout << (garbled ? " Garbled answers usually mean a wrong baud rate or parity."
                            : " Check A/B wiring (try swapping them), baud rate, parity, and termination.");
    std::cout << "\n";
    return kExitUnavailable;
  }
  std::cout << found.size() << " unit(s) answered:";
  for (int u : found) std::cout << " " << u;
  std::cout << "\n";
  return kExitOk;
}

}  // namespace

CliExtension cli_extension() {
  return [](CLI::App& root, const DeviceCatalog& catalog, int& exit_code) {
    auto* modbus = root.add_subcommand("modbus", "Commissioning tools for Modbus RTU and TCP devices");
    modbus->require_subcommand(1);

    auto read_options = std::make_shared<ReadOptions>();
    auto* read = modbus->add_subcommand(
        "read", "Read a configured device once and print every value with its raw registers (stop the service first "
                "on a serial line)");
    read->add_option("-c,--config", read_options->config_path, "Configuration file")->capture_default_str();
    read->add_option("device", read_options->device, "Device name from bridge.yaml")->required();
    read->add_option("register", read_options->register_name, "Only this register");
    read->callback([read_options, &catalog, &exit_code] { exit_code = read_command(*read_options, catalog); });

    auto scan_options = std::make_shared<ScanOptions>();
    auto* scan = modbus->add_subcommand("scan", "Ask a range of unit ids who answers (checks wiring and line settings)");
    scan->add_option("--port", scan_options->port, "Serial port, e.g. /dev/ttyUSB0");
    scan->add_option("--baud", scan_options->baud, "Baud rate")->capture_default_str();
    scan->add_option("--parity", scan_options->parity, "N, E or O")
        ->check(CLI::IsMember({"N", "E", "O", "n", "e", "o"}))
        ->capture_default_str();
    scan->add_option("--data-bits", scan_options->data_bits, "7 or 8")->check(CLI::Range(7, 8))->capture_default_str();
    scan->add_option("--stop-bits", scan_options->stop_bits, "1 or 2")->check(CLI::Range(1, 2))->capture_default_str();
    scan->add_option("--host", scan_options->host, "Modbus TCP host (instead of --port)");
    scan->add_option("--tcp-port", scan_options->tcp_port, "Modbus TCP port")->capture_default_str();
    scan->add_option("--units", scan_options->units, "Unit ids, e.g. 1-20 or 1,3,10-12")->capture_default_str();
    scan->add_option("--timeout", scan_options->timeout, "Time to wait for each unit")->capture_default_str();
    scan->add_option("--table", scan_options->table, "Table to probe")
        ->check(CLI::IsMember({"holding", "input", "coil", "discrete"}))
        ->capture_default_str();
    scan->add_option("--address", scan_options->address, "Address to probe")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    scan->callback([scan_options, &exit_code] { exit_code = scan_command(*scan_options); });
  };
}

}  // namespace edgebridge::modbus
