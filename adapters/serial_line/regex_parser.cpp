#include <cctype>
#include <map>
#include <regex>

#include "line_parser.hpp"

namespace edgebridge {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class RegexParser final : public LineParser {
 public:
  RegexParser(std::regex re, std::vector<Field> groups) : re_(std::move(re)), groups_(std::move(groups)) {}

  LineResult parse(const std::string& line) const override {
    std::smatch m;
    bool found = false;
    try {
      found = std::regex_search(line, m, re_);
    } catch (const std::regex_error& e) {  // e.g. error_complexity on pathological input
      return LineResult::bad("parse", std::string("the pattern could not be applied: ") + e.what());
    }
    if (!found) return LineResult::bad("parse", "the line does not match the pattern");
    nlohmann::json out = nlohmann::json::object();
    for (std::size_t i = 1; i < groups_.size() && i < m.size(); ++i) {
      const Field& f = groups_[i];
      if (f.name.empty() || f.type == FieldType::skip || !m[i].matched) continue;
      nlohmann::json value;
      std::string why;
      if (!convert_field(m[i].str(), f.type, value, why)) return LineResult::bad("parse", f.name + ": " + why);
      out[f.name] = std::move(value);
    }
    return LineResult::reading(std::move(out));
  }

 private:
  std::regex re_;
  std::vector<Field> groups_;  // by group number; [0] unused
};

}  // namespace

std::optional<std::string> translate_named_groups(const std::string& p, std::vector<std::string>& names,
                                                  std::string& why) {
  names.assign(1, std::string());
  std::map<std::string, std::size_t> number_of;
  std::string out;
  out.reserve(p.size());
  std::size_t i = 0;
  auto read_name = [&](std::size_t from, char close, std::string& name) -> std::size_t {
    std::size_t j = from;
    while (j < p.size() && name_char(p[j])) ++j;
    if (j == from || j >= p.size() || p[j] != close || std::isdigit(static_cast<unsigned char>(p[from]))) return 0;
    name = p.substr(from, j - from);
    return j + 1;
  };
  while (i < p.size()) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && p[i + 1] == 'k' && i + 2 < p.size() && p[i + 2] == '<') {
        std::string name;
        const std::size_t next = read_name(i + 3, '>', name);
        auto it = number_of.find(name);
        if (next == 0 || it == number_of.end()) {
          why = "\\k<" + name + "> refers to no earlier named group";
          return std::nullopt;
        }
        out += "\\" + std::to_string(it->second);
        i = next;
        continue;
      }
      out += p.substr(i, 2);
      i += 2;
      continue;
    }
    if (c == '[') {  // a character class: copied as is; '(' inside is literal
      std::size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      while (j < p.size() && p[j] != ']') j += (p[j] == '\\') ? 2u : 1u;
      j = std::min(j + 1, p.size());
      out += p.substr(i, j - i);
      i = j;
      continue;
    }
    if (c == '(') {
      if (i + 1 < p.size() && p[i + 1] == '?') {
        std::size_t name_at = 0;
        if (i + 2 < p.size() && p[i + 2] == '<' && i + 3 < p.size() && p[i + 3] != '=' && p[i + 3] != '!')
          name_at = i + 3;
        else if (i + 3 < p.size() && p[i + 2] == 'P' && p[i + 3] == '<')
          name_at = i + 4;
        if (name_at) {
          std::string name;
          const std::size_t next = read_name(name_at, '>', name);
          if (next == 0) {
            why = "a named group needs a name of letters, digits and '_' (not starting with a digit): (?<name>...)";
            return std::nullopt;
          }
          if (!number_of.emplace(name, names.size()).second) {
            why = "the group name \"" + name + "\" is used twice";
            return std::nullopt;
          }
          names.push_back(name);
          out += '(';
          i = next;
          continue;
        }
        out += c;  // (?: (?= (?!: not capturing
        ++i;
        continue;
      }
      names.emplace_back();  // an unnamed capturing group
      out += c;
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

std::shared_ptr<const LineParser> make_regex_parser(const std::string& pattern, const std::vector<Field>& types,
                                                    std::string& why, std::vector<std::string>* group_names) {
  std::vector<std::string> names;
  auto translated = translate_named_groups(pattern, names, why);
  if (!translated) return nullptr;
  if (group_names) *group_names = names;
  std::regex re;
  try {
    re = std::regex(*translated, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    why = std::string("not a valid regular expression (ECMAScript syntax): ") + e.what();
    return nullptr;
  }
  if (re.mark_count() + 1 != names.size()) {
    why = "the pattern's groups could not be counted; avoid unusual group syntax";
    return nullptr;
  }
  std::vector<Field> groups(names.size());
  bool any = false;
  for (std::size_t i = 1; i < names.size(); ++i) {
    groups[i].name = names[i];
    if (!names[i].empty()) any = true;
  }
  if (!any) {
    why = "the pattern has no named groups; name each value to publish, e.g. (?<temperature>-?[0-9.]+)";
    return nullptr;
  }
  for (const auto& t : types) {
    bool found = false;
    for (auto& g : groups)
      if (!g.name.empty() && g.name == t.name) {
        g.type = t.type;
        found = true;
      }
    if (!found) {
      why = "types names \"" + t.name + "\", which is not a named group of the pattern";
      return nullptr;
    }
  }
  return std::make_shared<RegexParser>(std::move(re), std::move(groups));
}

}  // namespace edgebridge
