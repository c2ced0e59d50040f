#include "app/reload_config.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "loader/loader.hpp"

namespace edgebridge {

bool reload_config(Gateway& gateway, const std::string& config_path, const DeviceCatalog& catalog,
                   const std::string& cli_log_level) {
  spdlog::info("Reload requested. config={}", config_path);
  auto loaded = load_config_file(config_path, catalog);
  if (!loaded.config) {
    for (const auto& d : loaded.diagnostics.all()) {
      if (d.severity == Severity::error)
        spdlog::error("Configuration error. {}", format(d));
      else
        spdlog::warn("Configuration warning. {}", format(d));
    }
    spdlog::error("Reload rejected; still running the previous configuration. errors={}",
                  loaded.diagnostics.error_count());
    return false;
  }
  for (const auto& d : loaded.diagnostics.all()) spdlog::warn("Configuration warning. {}", format(d));
  const std::string level = loaded.config->gateway.log_level;
  try {
    gateway.reload(std::move(*loaded.config));
  } catch (const std::exception& e) {
    // Only a bug gets here (the loader has checked everything the reload uses).
    spdlog::error("Reload failed part-way. error=\"{}\"", e.what());
    return false;
  }
  if (cli_log_level.empty()) spdlog::set_level(spdlog::level::from_str(level));
  return true;
}

}  // namespace edgebridge
