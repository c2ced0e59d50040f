// One folder per bad-configuration case under tests/config_cases/ and each
// device kind's adapters/<kind>/config_cases/: the YAML a user might write (bridge.yaml) and the messages they must see
// (expected.txt, one per line, each naming line and column). Every expected line must be in the output, and the number
// of errors must match.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/catalog.hpp"
#include "loader/loader.hpp"

using namespace edgebridge;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("every bad configuration case reports exactly its expected errors", "[config][cases]") {
  const fs::path source(EDGEBRIDGE_SOURCE_DIR);
  std::vector<fs::path> roots{source / "tests" / "config_cases"};
  for (const auto& kind : fs::directory_iterator(source / "adapters"))
    if (fs::is_directory(kind.path() / "config_cases")) roots.push_back(kind.path() / "config_cases");
  std::vector<fs::path> cases;
  for (const auto& root : roots)
    for (const auto& entry : fs::directory_iterator(root))
      if (entry.is_directory()) cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  REQUIRE(cases.size() >= 20);

  const auto catalog = device_catalog();
  for (const auto& dir : cases) {
    DYNAMIC_SECTION(dir.filename().string()) {
      REQUIRE(fs::exists(dir / "bridge.yaml"));
      REQUIRE(fs::exists(dir / "expected.txt"));
      LoadOptions options;
      options.default_gateway_id = "case-gw";
      options.env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "EB_CASE_HOST") return "broker.example.com";
        return std::nullopt;
      };
      auto result = load_config_text(read_file(dir / "bridge.yaml"), "bridge.yaml", catalog, options);
      const std::string output = result.diagnostics.format_all();
      INFO("output:\n" << output);
      CHECK_FALSE(result.config.has_value());
      std::size_t expected_errors = 0;
      for (const auto& expected : lines_of(read_file(dir / "expected.txt"))) {
        if (expected.find(": error: ") != std::string::npos) ++expected_errors;
        CHECK(output.find(expected) != std::string::npos);
      }
      CHECK(result.diagnostics.error_count() == expected_errors);
    }
  }
}
