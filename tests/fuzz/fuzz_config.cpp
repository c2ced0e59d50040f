// Fuzzes the bridge.yaml loader: any text must give a Config or diagnostics,
// never a crash, a hang or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/catalog.hpp"
#include "loader/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto catalog = edgebridge::device_catalog();
  edgebridge::LoadOptions options;
  options.check_files = false;  // no file system access from fuzzed paths
  options.default_gateway_id = "fuzz";
  options.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return std::string("/home/fuzz");
    return std::nullopt;
  };
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto result = edgebridge::load_config_text(text, "fuzz.yaml", catalog, options);
  (void)result.diagnostics.format_all();
  return 0;
}
