#include "config/yaml_reader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace edgebridge {

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

ConfigContext::ConfigContext(std::string file, Diagnostics& diag, EnvLookup env)
    : file_(std::move(file)), diag_(diag), env_(std::move(env)) {
  auto slash = file_.find_last_of('/');
  base_dir_ = slash == std::string::npos ? std::string(".") : file_.substr(0, slash);
  if (base_dir_.empty()) base_dir_ = "/";
}

Location ConfigContext::location(const YAML::Node& node) const {
  Location loc{file_, 0, 0};
  if (node.IsDefined()) {
    const YAML::Mark mark = node.Mark();
    if (!mark.is_null()) {
      loc.line = mark.line + 1;
      loc.column = mark.column + 1;
    }
  }
  return loc;
}

std::string ConfigContext::resolve_path(const std::string& path) const {
  if (path.empty() || path.front() == '/') return path;
  return base_dir_ + "/" + path;
}

void ConfigContext::error(const YAML::Node& at, const std::string& key_path, std::string message) {
  diag_.error(location(at), key_path, std::move(message));
}

void ConfigContext::warning(const YAML::Node& at, const std::string& key_path, std::string message) {
  diag_.warning(location(at), key_path, std::move(message));
}

std::optional<std::string> ConfigContext::substitute_env(const std::string& raw, const YAML::Node& at,
                                                         const std::string& key_path) {
  if (raw.find('$') == std::string::npos) return raw;
  std::string out;
  out.reserve(raw.size());
  bool ok = true;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '$' || i + 1 >= raw.size()) {
      out += raw[i];
      continue;
    }
    if (raw[i + 1] == '$') {  // "$$" is a literal dollar
      out += '$';
      ++i;
      continue;
    }
    if (raw[i + 1] != '{') {
      out += raw[i];
      continue;
    }
    auto close = raw.find('}', i + 2);
    if (close == std::string::npos) {
      error(at, key_path, "unterminated \"${\" in \"" + raw + "\"; write ${NAME} or $$ for a literal dollar");
      return std::nullopt;
    }
    std::string inner = raw.substr(i + 2, close - i - 2);
    std::optional<std::string> fallback;
    if (auto dash = inner.find(":-"); dash != std::string::npos) {
      fallback = inner.substr(dash + 2);
      inner = inner.substr(0, dash);
    }
    const bool valid_name = !inner.empty() && std::all_of(inner.begin(), inner.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!valid_name) {
      error(at, key_path, "\"${" + inner + "}\" is not a valid environment variable name (letters, digits, _)");
      ok = false;
    } else if (auto value = env_(inner)) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else {
      error(at, key_path, "environment variable " + inner +
                              " is not set; set it or give a fallback with ${" + inner + ":-value}");
      ok = false;
    }
    i = close;
  }
  if (!ok) return std::nullopt;
  return out;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::optional<std::string> scalar_text(ConfigContext& ctx, const YAML::Node& node, const std::string& key_path) {
  if (!node.IsScalar()) {
    ctx.error(node, key_path, node.IsSequence() ? "expected a single value, found a list"
                                                : "expected a single value, found a mapping");
    return std::nullopt;
  }
  return ctx.substitute_env(node.Scalar(), node, key_path);
}

MapReader::MapReader(ConfigContext& ctx, const YAML::Node& node, std::string path)
    : ctx_(ctx), node_(node), path_(std::move(path)) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    ctx_.error(node_, path_, "expected a mapping of keys to values");
    node_ = YAML::Node(YAML::NodeType::Undefined);
  }
}

std::string MapReader::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool MapReader::has(const char* key) const {
  if (!present()) return false;
  YAML::Node v = node_[key];
  return v.IsDefined() && !v.IsNull();
}

void MapReader::allow(const char* key) { known_.emplace_back(key); }

YAML::Node MapReader::raw(const char* key) {
  allow(key);
  if (!present()) return YAML::Node(YAML::NodeType::Undefined);
  return node_[key];
}

void MapReader::error_at(const char* key, const YAML::Node& at, std::string message) {
  ctx_.error(at, key_path(key), std::move(message));
}

std::optional<std::string> MapReader::scalar(const char* key, YAML::Node& out) {
  out = raw(key);
  if (!out.IsDefined() || out.IsNull()) return std::nullopt;
  return scalar_text(ctx_, out, key_path(key));
}

std::optional<std::string> MapReader::optional_string(const char* key) {
  YAML::Node n;
  return scalar(key, n);
}

std::string MapReader::string(const char* key, const std::string& fallback) {
  auto v = optional_string(key);
  return v ? *v : fallback;
}

std::string MapReader::required_string(const char* key) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!n.IsDefined() || n.IsNull()) {
    ctx_.error(node_, key_path(key), std::string("is required but missing"));
    return {};
  }
  if (v && v->empty()) {
    error_at(key, n, "must not be empty");
  }
  return v.value_or(std::string());
}

bool MapReader::boolean(const char* key, bool fallback) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!v) return fallback;
  static const std::map<std::string, bool> words = {
      {"true", true}, {"yes", true}, {"on", true}, {"false", false}, {"no", false}, {"off", false}};
  std::string lower = *v;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (auto it = words.find(lower); it != words.end()) return it->second;
  error_at(key, n, "\"" + *v + "\" is not a boolean; use true or false");
  return fallback;
}

std::optional<std::int64_t> MapReader::optional_integer(const char* key, std::int64_t min, std::int64_t max) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!v) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long parsed = std::strtoll(v->c_str(), &end, 0);
  if (v->empty() || *end != '\0' || errno == ERANGE) {
    error_at(key, n, "\"" + *v + "\" is not a whole number");
    return std::nullopt;
  }
  if (parsed < min || parsed > max) {
    error_at(key, n, std::to_string(parsed) + " is out of range; valid values are " + std::to_string(min) +
                         " to " + std::to_string(max));
    return std::nullopt;
  }
  return static_cast<std::int64_t>(parsed);
}

std::int64_t MapReader::integer(const char* key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  return optional_integer(key, min, max).value_or(fallback);
}

std::optional<double> MapReader::optional_number(const char* key) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!v) return std::nullopt;
  char* end = nullptr;
  double parsed = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0') {
    error_at(key, n, "\"" + *v + "\" is not a number");
    return std::nullopt;
  }
  return parsed;
}

double MapReader::number(const char* key, double fallback) { return optional_number(key).value_or(fallback); }

std::optional<Duration> MapReader::optional_duration(const char* key) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!v) return std::nullopt;
  std::string why;
  auto d = parse_duration(*v, why);
  if (!d) error_at(key, n, why);
  return d;
}

Duration MapReader::duration(const char* key, Duration fallback) {
  return optional_duration(key).value_or(fallback);
}

std::uint64_t MapReader::size(const char* key, std::uint64_t fallback) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!v) return fallback;
  std::string why;
  auto s = parse_size(*v, why);
  if (!s) {
    error_at(key, n, why);
    return fallback;
  }
  return *s;
}

Rate MapReader::rate(const char* key, Rate fallback) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!v) return fallback;
  std::string why;
  auto r = parse_rate(*v, why);
  if (!r) {
    error_at(key, n, why);
    return fallback;
  }
  return *r;
}

Rate MapReader::byte_rate(const char* key, Rate fallback) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!v) return fallback;
  std::string why;
  auto r = parse_byte_rate(*v, why);
  if (!r) {
    error_at(key, n, why);
    return fallback;
  }
  return *r;
}

std::string MapReader::choice(const char* key, const std::string& fallback, const std::vector<std::string>& choices) {
  YAML::Node n;
  auto v = scalar(key, n);
  if (!v) return fallback;
  if (std::find(choices.begin(), choices.end(), *v) != choices.end()) return *v;
  std::string msg = "\"" + *v + "\" is not valid; use one of: " + join(choices, ", ");
  if (auto guess = did_you_mean(*v, choices); !guess.empty()) msg = "\"" + *v + "\" is not valid; did you mean \"" + guess + "\"? Valid: " + join(choices, ", ");
  error_at(key, n, msg);
  return fallback;
}

std::string MapReader::path_value(const char* key) {
  auto v = optional_string(key);
  if (!v || v->empty()) return {};
  return ctx_.resolve_path(*v);
}

std::vector<std::string> MapReader::string_list(const char* key) {
  YAML::Node n = raw(key);
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (n.IsScalar()) {  // a single value is a list of one
    if (auto v = scalar_text(ctx_, n, key_path(key))) out.push_back(*v);
    return out;
  }
  if (!n.IsSequence()) {
    error_at(key, n, "expected a list of values");
    return out;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (auto v = scalar_text(ctx_, n[i], key_path(key) + "[" + std::to_string(i) + "]")) out.push_back(*v);
  }
  return out;
}

std::optional<std::string> MapReader::secret(const char* key, const char* file_key) {
  YAML::Node inline_node = raw(key);
  YAML::Node file_node = raw(file_key);
  const bool has_inline = inline_node.IsDefined() && !inline_node.IsNull();
  const bool has_file = file_node.IsDefined() && !file_node.IsNull();
  if (has_inline && has_file) {
    error_at(key, inline_node, std::string("give either ") + key + " or " + file_key + ", not both");
    return std::nullopt;
  }
  if (has_inline) return scalar_text(ctx_, inline_node, key_path(key));
  if (!has_file) return std::nullopt;
  auto name = scalar_text(ctx_, file_node, key_path(file_key));
  if (!name) return std::nullopt;
  std::string path = ctx_.resolve_path(*name);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error_at(file_key, file_node, "cannot read \"" + path + "\": no such file");
    return std::nullopt;
  }
  if (st.st_mode & S_IROTH) {
    error_at(file_key, file_node, "\"" + path + "\" is readable by every user; run chmod o-rwx on it (it holds a secret)");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error_at(file_key, file_node, "cannot read \"" + path + "\": permission denied");
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string value = buf.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

MapReader MapReader::child(const char* key) { return MapReader(ctx_, raw(key), key_path(key)); }

std::vector<std::pair<YAML::Node, std::string>> MapReader::sequence(const char* key) {
  YAML::Node n = raw(key);
  std::vector<std::pair<YAML::Node, std::string>> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) {
    error_at(key, n, "expected a list (each item starting with \"- \")");
    return out;
  }
  for (std::size_t i = 0; i < n.size(); ++i) out.emplace_back(n[i], key_path(key) + "[" + std::to_string(i) + "]");
  return out;
}

void MapReader::finish() {
  if (finished_ || !present()) return;
  finished_ = true;
  std::vector<std::string> valid = known_;
  std::sort(valid.begin(), valid.end());
  valid.erase(std::unique(valid.begin(), valid.end()), valid.end());
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node key_node = it->first;  // a copy: it->first lives in a temporary proxy
    if (!key_node.IsScalar()) {
      ctx_.error(key_node, path_, "keys must be plain words");
      continue;
    }
    const std::string& key = key_node.Scalar();
    if (!seen.insert(key).second) {
      ctx_.error(key_node, key_path(key), "appears twice in the same mapping; keep one");
      continue;
    }
    if (std::binary_search(valid.begin(), valid.end(), key)) continue;
    std::string msg = (path_.empty() ? "unknown top-level key \"" : "unknown key \"") + key + "\"";
    if (auto guess = did_you_mean(key, valid); !guess.empty()) msg += "; did you mean \"" + guess + "\"?";
    msg += valid.empty() ? std::string(" (no keys are valid here)") : " Valid keys: " + join(valid, ", ");
    ctx_.error(key_node, path_, msg);
  }
}

}  // namespace edgebridge
