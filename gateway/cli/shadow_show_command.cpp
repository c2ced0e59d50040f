// `edgebridge shadow show -c FILE [DEVICE]`: the device shadows as the gateway
// keeps them in the outbox database (read-only, so it works while it runs).
#include <sys/stat.h>

#include <iostream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/json_text.hpp"
#include "core/timestamps.hpp"
#include "loader/loader.hpp"
#include "shadow/shadow_config.hpp"
#include "shadow/shadow_record.hpp"
#include "shadow/shadow_store.hpp"

namespace edgebridge {
namespace {

std::string when(std::int64_t ms) {
  if (ms <= 0) return "never";
  return format_rfc3339_ms(WallClock::time_point(std::chrono::milliseconds(ms)));
}

std::string keys(const nlohmann::json& list) {
  std::string out;
  if (list.is_array())
    for (const auto& k : list)
      if (k.is_string()) out += (out.empty() ? "" : ", ") + k.get<std::string>();
  return out;
}

void print(const ShadowConfig& s, const ShadowRecord* r) {
  std::cout << "device " << s.device << "\n";
  std::cout << "  thing     " << s.thing << " (" << (s.name.empty() ? "classic shadow" : "shadow " + s.name)
            << ") on remote " << s.remote << "\n";
  std::cout << "  cloud     " << s.topic_prefix() << "\n";
  std::cout << "  local     " << s.local_topic << "/reported, /desired, /delta (retained)\n";
  if (!r || !r->same_shadow(ShadowRecord{"", s.remote, s.thing, s.name})) {
    std::cout << "  nothing saved yet: the gateway has not run with this shadow\n\n";
    return;
  }
  std::cout << "  version   " << r->version << ", last update accepted " << when(r->accepted_ms) << ", saved "
            << when(r->updated_ms) << "\n";
  nlohmann::json reported = r->reported;
  if (r->errors.is_object() && !r->errors.empty()) reported[kShadowErrorsKey] = r->errors;
  std::cout << "  reported  " << dump_json(reported) << "\n";
  const std::string waiting = keys(r->pending);
  const std::string waiting_errors = keys(r->pending_errors);
  std::cout << "  pending   "
            << (waiting.empty() && waiting_errors.empty()
                    ? std::string("nothing: the cloud has all of it")
                    : waiting +
                          (waiting_errors.empty()
                               ? ""
                               : (waiting.empty() ? "" : "; ") + std::string("errors: ") + waiting_errors) +
                          " (not accepted by the cloud yet)")
            << "\n";
  std::cout << "  desired   " << dump_json(r->desired) << "\n";
  std::cout << "  delta     " << dump_json(shadow_delta(r->desired, r->reported)) << "\n\n";
}

}  // namespace

int shadow_show_command(const std::string& config_path, const std::string& device, const DeviceCatalog& catalog) {
  LoadOptions options;
  options.check_files = false;  // the state_dir is what matters here
  auto loaded = load_config_file(config_path, catalog, options);
  if (!loaded.config) {
    std::cerr << loaded.diagnostics.format_all();
    return kExitBadConfig;
  }
  const Config& config = *loaded.config;
  std::vector<const ShadowConfig*> shown;
  std::vector<std::string> with_shadow;
  for (const auto& d : config.devices) {
    if (!d.shadow) continue;
    with_shadow.push_back(d.name);
    if (device.empty() || d.name == device) shown.push_back(d.shadow.get());
  }
  if (!device.empty() && shown.empty()) {
    std::string list;
    for (const auto& n : with_shadow) list += (list.empty() ? "" : ", ") + n;
    std::cerr << (config.find_device(device) ? "device \"" + device + "\" has no shadow: section"
                                             : "no device named \"" + device + "\"")
              << (list.empty() ? std::string("; no device has a shadow") : "; devices with a shadow: " + list) << "\n";
    return kExitUsage;
  }
  if (shown.empty()) {
    std::cout << "No device has a shadow: section in " << config_path << ".\n";
    return kExitOk;
  }
  const std::string path = config.gateway.state_dir + "/outbox.db";
  std::vector<ShadowRecord> records;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    try {
      records = read_shadow_records(path);
    } catch (const std::exception& e) {
      std::cerr << "cannot read " << path << ": " << e.what() << "\n";
      return kExitRuntime;
    }
  }
  for (const ShadowConfig* s : shown) {
    const ShadowRecord* r = nullptr;
    for (const auto& rec : records)
      if (rec.device == s->device) r = &rec;
    print(*s, r);
  }
  return kExitOk;
}

}  // namespace edgebridge
