#pragma once
// Typed, error-collecting access to bridge.yaml nodes.
//
// A MapReader wraps one YAML mapping. Each getter marks its key as known,
// converts and validates the value, and on a bad value records an error (with
// line, column and key path) and returns the default, so loading continues and
// every error is reported at once. finish() reports keys nobody asked for as
// unknown, with a did-you-mean and the list of valid keys.
//
// Strings go through ${ENV_VAR} substitution (${VAR:-fallback}; $$ for a dollar).

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/units.hpp"

namespace edgebridge {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_environment();

class ConfigContext {
 public:
  ConfigContext(std::string file, Diagnostics& diag, EnvLookup env = process_environment());

  const std::string& file() const { return file_; }
  Diagnostics& diag() { return diag_; }
  Location location(const YAML::Node& node) const;
  // Relative paths in bridge.yaml are relative to the file's own directory.
  std::string resolve_path(const std::string& path) const;
  std::optional<std::string> substitute_env(const std::string& raw, const YAML::Node& at,
                                            const std::string& key_path);
  void error(const YAML::Node& at, const std::string& key_path, std::string message);
  void warning(const YAML::Node& at, const std::string& key_path, std::string message);

 private:
  std::string file_;
  std::string base_dir_;
  Diagnostics& diag_;
  EnvLookup env_;
};

// The closest candidate within a small edit distance, or empty.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

class MapReader {
 public:
  // `node` may be undefined/null (treated as an empty mapping).
  MapReader(ConfigContext& ctx, const YAML::Node& node, std::string path);

  bool present() const { return node_.IsDefined() && !node_.IsNull(); }
  bool has(const char* key) const;
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  ConfigContext& context() { return ctx_; }
  std::string key_path(const std::string& key) const;

  // Marks `key` as valid without reading it (for keys read elsewhere).
  void allow(const char* key);
  // The raw node (marks the key known). Undefined when absent.
  YAML::Node raw(const char* key);

  std::optional<std::string> optional_string(const char* key);
  std::string string(const char* key, const std::string& fallback);
  std::string required_string(const char* key);
  bool boolean(const char* key, bool fallback);
  std::int64_t integer(const char* key, std::int64_t fallback, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> optional_integer(const char* key, std::int64_t min, std::int64_t max);
  double number(const char* key, double fallback);
  std::optional<double> optional_number(const char* key);
  Duration duration(const char* key, Duration fallback);
  std::optional<Duration> optional_duration(const char* key);
  std::uint64_t size(const char* key, std::uint64_t fallback);
  Rate rate(const char* key, Rate fallback);
  Rate byte_rate(const char* key, Rate fallback);
  // One of `choices` (exact match); the error lists them.
  std::string choice(const char* key, const std::string& fallback,
                     const std::vector<std::string>& choices);
  // A file path resolved against the config file's directory; empty if absent.
  std::string path_value(const char* key);
  std::vector<std::string> string_list(const char* key);
  // A secret given inline (`key`) or read from a file (`key_file`), never both.
  std::optional<std::string> secret(const char* key, const char* file_key);

  MapReader child(const char* key);
  // Items of a sequence under `key`, each with its path ("topics[2]").
  std::vector<std::pair<YAML::Node, std::string>> sequence(const char* key);

  // Reports unknown and duplicate keys. Call once, after every getter.
  void finish();

 private:
  std::optional<std::string> scalar(const char* key, YAML::Node& out);
  void error_at(const char* key, const YAML::Node& at, std::string message);

  ConfigContext& ctx_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string> known_;
  bool finished_ = false;
};

// Reads a scalar node as text with env substitution; errors if it is not a scalar.
std::optional<std::string> scalar_text(ConfigContext& ctx, const YAML::Node& node,
                                       const std::string& key_path);

}  // namespace edgebridge
