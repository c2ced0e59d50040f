#include "config/loader.hpp"

#include <fstream>
#include <sstream>

#include "config/fingerprint.hpp"
#include "config/sections.hpp"
#include "rules/load_rules.hpp"

namespace edgebridge {

LoadResult load_config_text(const std::string& text, const std::string& file_name, const DeviceCatalog& catalog,
                            const LoadOptions& options) {
  LoadResult result;
  ConfigContext ctx(file_name, result.diagnostics, options.env);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Location where{file_name, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1};
    result.diagnostics.error(where, "", "YAML syntax: " + e.msg);
    return result;
  }
  if (!root.IsDefined() || root.IsNull()) {
    result.diagnostics.error({file_name, 1, 1}, "", "the file is empty; start from config/bridge.yaml");
    return result;
  }
  MapReader top(ctx, root, "");
  if (!top.present()) return result;

  Config config;
  config.source_file = file_name;
  sections::read_gateway(top, config.gateway, options);
  sections::read_local(top, config.gateway, config.local);
  sections::read_remotes(top, config.gateway, config.remotes, options);
  sections::read_topics(top, config.remotes, config.topics);
  sections::read_devices(top, catalog, config.remotes, config.gateway, config.devices);
  read_rules(top, config, catalog);
  sections::collect_batch_streams(config, result.diagnostics);
  if (YAML::Node rules = top.raw("rules"); rules.IsDefined()) config.rules_fingerprint = yaml_fingerprint(rules);
  top.finish();

  if (!result.diagnostics.has_errors())
    result.config = std::move(config);
  else
    result.draft = std::move(config);
  return result;
}

LoadResult load_config_file(const std::string& path, const DeviceCatalog& catalog, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.diagnostics.error({path, 0, 0}, "", "cannot open the configuration file");
    return result;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return load_config_text(buf.str(), path, catalog, options);
}

}  // namespace edgebridge
