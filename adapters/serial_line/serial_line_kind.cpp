// Reads the `serial_line` keys of a device entry and builds its line parser.
#include "serial_line/serial_line_kind.hpp"

#include <algorithm>
#include <cctype>

#include "common/retry_policy.hpp"
#include "serial_line/serial_line_device.hpp"
#include "serial_line/serial_line_settings.hpp"
#include "shadow/desired_keys.hpp"

namespace edgebridge::serial_line {

std::optional<std::string> unescape_delimiter(const std::string& text, std::string& why) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 >= text.size()) {
      why = "ends with a lone backslash";
      return std::nullopt;
    }
    const char e = text[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case 'x': {
        if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
          why = "\\x needs two hex digits, e.g. \\x03";
          return std::nullopt;
        }
        out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
        i += 2;
        break;
      }
      default:
        why = std::string("unknown escape \\") + e + "; use \\n, \\r, \\t, \\\\ or \\xHH";
        return std::nullopt;
    }
  }
  return out;
}

namespace {

// A list of fields: each a mapping {name, type} or just a name (type number).
std::vector<Field> read_fields(MapReader& entry, const char* key, bool allow_skip) {
  auto& ctx = entry.context();
  std::vector<Field> out;
  std::vector<std::string> seen;
  for (auto& [node, path] : entry.sequence(key)) {
    Field f;
    // Errors about the name point at it (a YAML::Node is never reassigned: that would rewrite the document).
    const YAML::Node& item = node;
    const YAML::Node name_node = item.IsMap() ? item["name"] : item;
    if (node.IsMap()) {
      MapReader m(ctx, node, path);
      f.name = m.required_string("name");
      const std::string type = m.choice("type", "number", field_type_names());
      f.type = parse_field_type(type).value_or(FieldType::number);
      m.finish();
    } else if (auto text = scalar_text(ctx, node, path)) {
      f.name = *text;
    } else {
      continue;
    }
    if (f.type == FieldType::skip && !allow_skip) {
      ctx.error(node, path, "skip is only for csv columns");
      continue;
    }
    if (f.type != FieldType::skip && !f.name.empty()) {
      if (auto why = field_name_problem(f.name); !why.empty()) {
        ctx.error(name_node, path, why);
        continue;
      }
      if (std::find(seen.begin(), seen.end(), f.name) != seen.end()) {
        ctx.error(name_node, path, "\"" + f.name + "\" is named twice");
        continue;
      }
      seen.push_back(f.name);
    }
    out.push_back(f);
  }
  return out;
}

// regex `types:` — a mapping of group name to type.
std::vector<Field> read_types(MapReader& entry) {
  auto& ctx = entry.context();
  std::vector<Field> out;
  YAML::Node node = entry.raw("types");
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) {
    ctx.error(node, entry.key_path("types"), "expected a mapping of group names to types, e.g. { temperature: number }");
    return out;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string name = it->first.Scalar();
    auto text = scalar_text(ctx, it->second, entry.key_path("types") + "." + name);
    if (!text) continue;
    auto type = parse_field_type(*text);
    if (!type || *type == FieldType::skip) {
      ctx.error(it->second, entry.key_path("types") + "." + name,
                "\"" + *text + "\" is not a type; use number, integer, string or boolean");
      continue;
    }
    out.push_back({name, *type});
  }
  return out;
}

void read_parser(MapReader& entry, SerialLineSettings& s) {
  auto& ctx = entry.context();
  s.parser_name = entry.choice("parser", "raw", {"raw", "json", "csv", "regex", "nmea"});
  // Keys that belong to one parser; naming them for another is an error.
  const std::vector<std::pair<const char*, const char*>> owned = {
      {"columns", "csv"}, {"separator", "csv"}, {"pattern", "regex"}, {"types", "regex"},
      {"sentences", "nmea"}, {"require_checksum", "nmea"}};
  for (const auto& [key, parser] : owned) {
    if (entry.has(key) && s.parser_name != parser)
      ctx.error(entry.raw(key), entry.key_path(key),
                std::string("belongs to parser: ") + parser + ", but this device uses parser: " + s.parser_name);
    entry.allow(key);
  }
  if (s.parser_name == "raw") {
    s.parser = make_raw_parser();
  } else if (s.parser_name == "json") {
    s.parser = make_json_parser();
  } else if (s.parser_name == "csv") {
    std::string sep = entry.string("separator", ",");
    if (sep == "\\t" || sep == "tab") sep = "\t";
    if (sep.size() != 1 || sep == "\"") {
      ctx.error(entry.raw("separator"), entry.key_path("separator"),
                "must be a single character other than \", e.g. \",\", \";\" or tab");
      sep = ",";
    }
    if (!entry.has("columns"))
      ctx.error(entry.node(), entry.key_path("columns"),
                "is required for parser: csv (the column names in order, e.g. [temperature, humidity])");
    auto columns = read_fields(entry, "columns", true);
    if (entry.has("columns") && columns.empty() && entry.raw("columns").IsSequence())
      ctx.error(entry.raw("columns"), entry.key_path("columns"), "must name at least one column");
    s.parser = make_csv_parser(std::move(columns), sep[0]);
  } else if (s.parser_name == "regex") {
    YAML::Node at = entry.raw("pattern");
    const std::string pattern = entry.required_string("pattern");
    auto types = read_types(entry);
    if (!pattern.empty()) {
      std::string why;
      std::vector<std::string> names;
      s.parser = make_regex_parser(pattern, types, why, &names);
      if (!s.parser) {
        ctx.error(at, entry.key_path("pattern"), why);
      }
      for (const auto& n : names)
        if (!n.empty())
          if (auto problem = field_name_problem(n); !problem.empty()) ctx.error(at, entry.key_path("pattern"), problem);
    }
    if (!s.parser) s.parser = make_raw_parser();
  } else if (s.parser_name == "nmea") {
    auto sentences = entry.string_list("sentences");
    if (!entry.has("sentences")) sentences = {"GGA", "RMC"};
    for (const auto& t : sentences) {
      const bool ok = !t.empty() && t.size() <= 6 && std::all_of(t.begin(), t.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
      });
      if (!ok)
        ctx.error(entry.raw("sentences"), entry.key_path("sentences"),
                  "\"" + t + "\" is not a sentence type; use the part after the talker, e.g. GGA, RMC, GSV");
    }
    s.parser = make_nmea_parser(sentences, entry.boolean("require_checksum", true));
  }
}

class SerialLineKind final : public DeviceKind {
 public:
  std::string type() const override { return "serial_line"; }

  std::shared_ptr<const DeviceSettings> parse(MapReader& entry, DeviceConfig& device) const override {
    auto& ctx = entry.context();
    auto s = std::make_shared<SerialLineSettings>();
    s->port = entry.required_string("port");
    s->serial = read_serial_settings(entry);
    if (auto text = entry.optional_string("delimiter")) {
      std::string why;
      auto d = unescape_delimiter(*text, why);
      if (!d || d->empty())
        ctx.error(entry.raw("delimiter"), entry.key_path("delimiter"), d ? "must not be empty" : why);
      else if (d->size() > 8)
        ctx.error(entry.raw("delimiter"), entry.key_path("delimiter"), "must be at most 8 bytes");
      else
        s->delimiter = *d;
    }
    s->max_line = static_cast<std::size_t>(entry.integer("max_line", 1024, 16, 65536));
    s->trim = entry.boolean("trim", true);
    s->skip_prefixes = entry.string_list("skip_prefixes");
    read_parser(entry, *s);
    s->qos = static_cast<int>(entry.integer("qos", 1, 0, 1));
    s->retain = entry.boolean("retain", false);
    s->writable = entry.boolean("writable", false);
    if (auto text = entry.optional_string("write_ending")) {
      std::string why;
      if (auto e = unescape_delimiter(*text, why))
        s->write_ending = *e;
      else
        ctx.error(entry.raw("write_ending"), entry.key_path("write_ending"), why);
    }
    s->write_allow = entry.string_list("write_allow");
    if (!s->writable) {
      for (const char* key : {"write_ending", "write_allow"})
        if (entry.has(key))
          ctx.error(entry.raw(key), entry.key_path(key), "has no effect unless writable: true");
    }
    s->ttl = entry.duration("ttl", s->ttl);
    if (s->ttl < Duration(1000)) ctx.error(entry.raw("ttl"), entry.key_path("ttl"), "must be at least 1s");
    s->max_error_reports = entry.rate("max_error_reports", s->max_error_reports);
    s->reopen = read_retry_policy(entry, "reopen", s->reopen);
    s->error_topic = device.topic + "/error";
    s->write_topic = device.topic + "/write";
    s->write_result_topic = device.topic + "/write/result";
    // Always listen on <topic>/write, so a write to a read-only device is
    // answered with a refusal instead of silence.
    device.command_filters = {s->write_topic};
    return s;
  }

  std::unique_ptr<DeviceEndpoint> create(const DeviceConfig& device) const override {
    return std::make_unique<SerialLineDevice>(device,
                                              std::dynamic_pointer_cast<const SerialLineSettings>(device.settings));
  }

  // Shadows: a raw line is {"line": ...}; the other parsers' keys are known
  // only once lines arrive.
  std::optional<std::vector<ShadowReadingKey>> shadow_readings(const DeviceConfig& device) const override {
    auto s = std::dynamic_pointer_cast<const SerialLineSettings>(device.settings);
    if (s && s->parser_name == "raw") return std::vector<ShadowReadingKey>{{"line", 0}};
    return std::nullopt;
  }

  // desired: { mode: { eco: "MODE ECO" } }: each desired value names a line to
  // write (writable: true, and in write_allow when that is set).
  std::vector<ShadowDesiredKey> shadow_desired(MapReader& shadow, const DeviceConfig& device) const override {
    auto s = std::dynamic_pointer_cast<const SerialLineSettings>(device.settings);
    std::vector<ShadowDesiredKey> out;
    auto entries = read_desired_choices(shadow);
    if (!s) return out;
    if (!entries.empty() && !s->writable) {
      shadow.context().error(entries.front().key_node, entries.front().path,
                             "device \"" + device.name +
                                 "\" is read-only; set writable: true to let a shadow write to it");
      return out;
    }
    for (auto& entry : entries) {
      ShadowDesiredKey key{entry.key, {}, {}};
      for (auto& item : entry.items) {
        const bool control = std::any_of(item.target.begin(), item.target.end(),
                                         [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; });
        if (item.target.empty() || control || item.target.size() > s->max_line) {
          shadow.context().error(item.node, item.path, "must be one line of text, at most max_line bytes");
          continue;
        }
        if (!s->write_allow.empty() &&
            std::find(s->write_allow.begin(), s->write_allow.end(), item.target) == s->write_allow.end()) {
          std::string allowed;
          for (const auto& a : s->write_allow) allowed += (allowed.empty() ? "" : ", ") + a;
          shadow.context().error(item.node, item.path,
                                 "\"" + item.target + "\" is not in the device's write_allow (" + allowed + ")");
          continue;
        }
        key.choices.push_back({item.value, "write", nlohmann::json{{"data", item.target}}});
      }
      if (!key.choices.empty()) out.push_back(std::move(key));
    }
    return out;
  }
};

}  // namespace

std::shared_ptr<const DeviceKind> serial_line_kind() { return std::make_shared<SerialLineKind>(); }

}  // namespace edgebridge::serial_line
