// Reads the `ir_tcp` keys of a device entry (and its codes_file).
#include "ir_tcp/ir_tcp_kind.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

#include "common/retry_policy.hpp"
#include "ir_tcp/ir_settings.hpp"
#include "ir_tcp/ir_tcp_device.hpp"
#include "shadow/desired_keys.hpp"

namespace edgebridge::ir_tcp {
namespace {

constexpr std::uint64_t kMaxCodesFile = 1024 * 1024;

bool valid_code_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// Reads a mapping of code name → sendir or Pronto text into `out`.
void read_codes(ConfigContext& ctx, const YAML::Node& node, const std::string& path, IrTcpSettings& out,
                std::set<std::string>& declared) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    ctx.error(node, path, "expected a mapping of code names to codes, e.g. { open: \"sendir,1:1,...\" }");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      ctx.error(it->first, path, "code names must be plain words");
      continue;
    }
    const std::string name = it->first.Scalar();
    const std::string key_path = path + "." + name;
    if (!valid_code_name(name)) {
      ctx.error(it->first, key_path, "\"" + name + "\" is not a valid code name; use letters, digits, '-', '_' or '.'");
      continue;
    }
    declared.insert(name);
    auto text = scalar_text(ctx, it->second, key_path);
    if (!text) continue;
    std::string why;
    auto code = parse_ir_code(*text, why);
    if (!code) {
      ctx.error(it->second, key_path, why);
      continue;
    }
    if (out.connector) code->connector = *out.connector;
    if (!out.codes.emplace(name, *code).second)
      ctx.error(it->first, key_path, "the code \"" + name + "\" is defined twice (in codes and codes_file, or twice in one)");
  }
}

void read_codes_file(MapReader& entry, IrTcpSettings& out, std::set<std::string>& declared) {
  auto& ctx = entry.context();
  YAML::Node at = entry.raw("codes_file");
  const std::string path = entry.path_value("codes_file");
  if (path.empty()) return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    ctx.error(at, entry.key_path("codes_file"), "cannot read \"" + path + "\": no such file");
    return;
  }
  if (!S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > kMaxCodesFile) {
    ctx.error(at, entry.key_path("codes_file"), "\"" + path + "\" must be a regular file of at most 1MiB");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ctx.error(at, entry.key_path("codes_file"), "cannot read \"" + path + "\": permission denied");
    return;
  }
  // Bounded even when stat() lies (files under /proc report size 0).
  std::string text(kMaxCodesFile + 1, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxCodesFile) {
    ctx.error(at, entry.key_path("codes_file"), "\"" + path + "\" must be a regular file of at most 1MiB");
    return;
  }
  // Errors inside the file name the file, its line and column.
  ConfigContext file_ctx(path, ctx.diag());
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Location where{path, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1};
    ctx.diag().error(where, "", "YAML syntax: " + e.msg);
    return;
  }
  if (!root.IsDefined() || root.IsNull()) {
    ctx.error(at, entry.key_path("codes_file"), "\"" + path + "\" holds no codes");
    return;
  }
  read_codes(file_ctx, root, "codes", out, declared);
}

// Names that were declared but failed to parse already have their error.
void read_opposites(MapReader& entry, IrTcpSettings& out, const std::set<std::string>& declared) {
  auto& ctx = entry.context();
  YAML::Node node = entry.raw("opposites");
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string path = entry.key_path("opposites");
  if (!node.IsSequence()) {
    ctx.error(node, path, "expected a list of pairs, e.g. [[open, close], [on, off]]");
    return;
  }
  out.opposites.clear();
  std::vector<std::string> names;
  names.assign(declared.begin(), declared.end());
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node pair = node[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!pair.IsSequence() || pair.size() != 2) {
      ctx.error(pair, item_path, "each entry is a pair of code names, e.g. [open, close]");
      continue;
    }
    std::string a, b;
    bool ok = true;
    for (std::size_t k = 0; k < 2; ++k) {
      auto text = scalar_text(ctx, pair[k], item_path + "[" + std::to_string(k) + "]");
      if (!text) {
        ok = false;
        continue;
      }
      if (!declared.count(*text)) {
        std::string msg = "\"" + *text + "\" is not one of this device's codes";
        if (auto guess = did_you_mean(*text, names); !guess.empty()) msg += "; did you mean \"" + guess + "\"?";
        ctx.error(pair[k], item_path + "[" + std::to_string(k) + "]", msg);
        ok = false;
      }
      (k == 0 ? a : b) = text.value_or("");
    }
    if (ok && a == b) {
      ctx.error(pair, item_path, "a code cannot be its own opposite");
      ok = false;
    }
    if (ok) out.opposites.emplace_back(a, b);
  }
}

class IrTcpKind final : public DeviceKind {
 public:
  std::string type() const override { return "ir_tcp"; }

  std::shared_ptr<const DeviceSettings> parse(MapReader& entry, DeviceConfig& device) const override {
    auto& ctx = entry.context();
    auto s = std::make_shared<IrTcpSettings>();
    s->host = entry.required_string("host");
    s->port = static_cast<int>(entry.integer("port", 4998, 1, 65535));
    if (auto text = entry.optional_string("connector")) {
      std::string why;
      if (auto c = parse_connector(*text, why))
        s->connector = *c;
      else
        ctx.error(entry.raw("connector"), entry.key_path("connector"), why);
    }
    std::set<std::string> declared;
    read_codes(ctx, entry.raw("codes"), entry.key_path("codes"), *s, declared);
    read_codes_file(entry, *s, declared);
    if (!entry.has("codes") && !entry.has("codes_file"))
      ctx.error(entry.node(), entry.key_path("codes"),
                "an ir_tcp device needs at least one code, under codes: or in codes_file:");
    read_opposites(entry, *s, declared);
    s->min_interval = entry.duration("min_interval", s->min_interval);
    s->hold = entry.duration("hold", s->hold);
    s->ttl = entry.duration("ttl", s->ttl);
    s->reply_timeout = entry.duration("reply_timeout", s->reply_timeout);
    s->connect_timeout = entry.duration("connect_timeout", s->connect_timeout);
    s->busy_retries = static_cast<int>(entry.integer("busy_retries", s->busy_retries, 0, 20));
    s->busy_delay = entry.duration("busy_delay", s->busy_delay);
    s->busy_max_delay = entry.duration("busy_max_delay", s->busy_max_delay);
    s->max_queue = static_cast<int>(entry.integer("max_queue", s->max_queue, 1, 1000));
    s->reconnect = read_retry_policy(entry, "reconnect", s->reconnect);
    auto at_least = [&](const char* key, Duration value, Duration min, const char* text) {
      if (value < min) ctx.error(entry.raw(key), entry.key_path(key), text);
    };
    at_least("reply_timeout", s->reply_timeout, Duration(100), "must be at least 100ms");
    at_least("connect_timeout", s->connect_timeout, Duration(100), "must be at least 100ms");
    at_least("busy_delay", s->busy_delay, Duration(10), "must be at least 10ms");
    if (!entry.has("busy_max_delay")) s->busy_max_delay = std::max(s->busy_max_delay, s->busy_delay);
    at_least("busy_max_delay", s->busy_max_delay, s->busy_delay, "must not be shorter than busy_delay");
    at_least("ttl", s->ttl, Duration(1000), "must be at least 1s (a command needs time to reach the device)");
    device.command_filters = {device.topic};
    s->result_topic = device.topic + "/result";
    return s;
  }

  std::unique_ptr<DeviceEndpoint> create(const DeviceConfig& device) const override {
    return std::make_unique<IrTcpDevice>(device, std::dynamic_pointer_cast<const IrTcpSettings>(device.settings));
  }

  // A rule's command action names one of the device's codes.
  std::optional<std::vector<std::string>> command_names(const DeviceConfig& device) const override {
    auto s = std::dynamic_pointer_cast<const IrTcpSettings>(device.settings);
    if (!s) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& [name, code] : s->codes) names.push_back(name);
    return names;
  }

  // Shadows: an IR device has no readings; its reported state is the desired
  // values it carried out (reported once the iTach said completeir).
  std::optional<std::vector<ShadowReadingKey>> shadow_readings(const DeviceConfig&) const override {
    return std::vector<ShadowReadingKey>{};
  }

  // desired: { shade: { open: open, closed: close } }: each desired value names a code.
  std::vector<ShadowDesiredKey> shadow_desired(MapReader& shadow, const DeviceConfig& device) const override {
    auto s = std::dynamic_pointer_cast<const IrTcpSettings>(device.settings);
    std::vector<ShadowDesiredKey> out;
    std::vector<std::string> codes;
    if (s) {
      codes.reserve(s->codes.size());
      for (const auto& [name, code] : s->codes) codes.push_back(name);
    }
    for (auto& entry : read_desired_choices(shadow)) {
      ShadowDesiredKey key{entry.key, {}, {}};
      for (auto& item : entry.items) {
        if (s && !s->find(item.target)) {
          std::string msg = "device \"" + device.name + "\" has no code \"" + item.target + "\"";
          if (auto guess = did_you_mean(item.target, codes); !guess.empty())
            msg += "; did you mean \"" + guess + "\"?";
          else
            msg += ".";
          msg += " Codes: " + s->code_names();
          shadow.context().error(item.node, item.path, msg);
          continue;
        }
        key.choices.push_back({item.value, item.target, nullptr});
      }
      if (!key.choices.empty()) out.push_back(std::move(key));
    }
    return out;
  }
};

}  // namespace

std::shared_ptr<const DeviceKind> ir_tcp_kind() { return std::make_shared<IrTcpKind>(); }

}  // namespace edgebridge::ir_tcp
