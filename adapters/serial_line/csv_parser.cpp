#include <cctype>

#include "serial_line/line_parser.hpp"

namespace edgebridge::serial_line {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

// RFC 4180 style: quoted fields may hold the separator and "" for a quote.
bool split_csv(const std::string& line, char sep, std::vector<std::string>& out, std::string& why) {
  std::string field;
  std::size_t i = 0;
  while (true) {
    // Leading blanks before an opening quote do not count.
    std::size_t j = i;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t') && line[j] != sep) ++j;
    if (j < line.size() && line[j] == '"') {
      field.clear();
      i = j + 1;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        why = "a quoted field is not closed";
        return false;
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && line[i] != sep) ++i;
      if (i < line.size() && line[i] != sep) {
        why = "text after a closing quote in field " + std::to_string(out.size() + 1);
        return false;
      }
      out.push_back(field);
    } else {
      const std::size_t end = line.find(sep, i);
      out.push_back(trim(line.substr(i, end == std::string::npos ? std::string::npos : end - i)));
      i = end == std::string::npos ? line.size() : end;
    }
    if (i >= line.size()) break;
    ++i;  // the separator
    if (i == line.size()) {
      out.emplace_back();  // a trailing separator: one more, empty field
      break;
    }
    if (out.size() > 10'000) {
      why = "too many fields";
      return false;
    }
  }
  return true;
}

class CsvParser final : public LineParser {
 public:
  CsvParser(std::vector<Field> columns, char separator) : columns_(std::move(columns)), separator_(separator) {}

  LineResult parse(const std::string& line) const override {
    std::vector<std::string> fields;
    std::string why;
    if (!split_csv(line, separator_, fields, why)) return LineResult::bad("parse", why);
    if (fields.size() != columns_.size())
      return LineResult::bad("parse", "expected " + std::to_string(columns_.size()) + " fields, the line has " +
                                          std::to_string(fields.size()));
    nlohmann::json out = nlohmann::json::object();
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].type == FieldType::skip) continue;
      nlohmann::json value;
      if (!convert_field(fields[i], columns_[i].type, value, why))
        return LineResult::bad("parse", "column " + columns_[i].name + ": " + why);
      out[columns_[i].name] = std::move(value);
    }
    return LineResult::reading(std::move(out));
  }

 private:
  std::vector<Field> columns_;
  char separator_;
};

}  // namespace

std::shared_ptr<const LineParser> make_csv_parser(std::vector<Field> columns, char separator) {
  return std::make_shared<CsvParser>(std::move(columns), separator);
}

}  // namespace edgebridge::serial_line
