// NMEA 0183 sentences: checksum, GGA and RMC decoding.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "serial_line/line_parser.hpp"

namespace edgebridge::serial_line {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool all_digits(const std::string& s, std::size_t from, std::size_t to) {
  if (to > s.size() || from >= to) return false;
  return std::all_of(s.begin() + static_cast<long>(from), s.begin() + static_cast<long>(to),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

double rounded(double v, double scale) { return std::round(v * scale) / scale; }

bool number(const std::string& s, double& out) {
  nlohmann::json j;
  std::string why;
  if (!convert_field(s, FieldType::number, j, why) || j.is_null()) return false;
  out = j.get<double>();
  return true;
}

// "hhmmss" or "hhmmss.sss" → "hh:mm:ss[.sss]"
bool nmea_time(const std::string& s, std::string& out) {
  if (s.size() < 6 || !all_digits(s, 0, 6)) return false;
  if (s.size() > 6 && (s[6] != '.' || s.size() > 10 || (s.size() > 7 && !all_digits(s, 7, s.size())))) return false;
  const int hh = std::stoi(s.substr(0, 2)), mm = std::stoi(s.substr(2, 2)), ss = std::stoi(s.substr(4, 2));
  if (hh > 23 || mm > 59 || ss > 60) return false;
  out = s.substr(0, 2) + ":" + s.substr(2, 2) + ":" + s.substr(4);
  return true;
}

// "ddmmyy" → "20yy-mm-dd" (80-99 → 19yy).
bool nmea_date(const std::string& s, std::string& out) {
  if (s.size() != 6 || !all_digits(s, 0, 6)) return false;
  const int dd = std::stoi(s.substr(0, 2)), mo = std::stoi(s.substr(2, 2)), yy = std::stoi(s.substr(4, 2));
  if (dd < 1 || dd > 31 || mo < 1 || mo > 12) return false;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", yy >= 80 ? 1900 + yy : 2000 + yy, mo, dd);
  out = buf;
  return true;
}

// "4807.038" + "N" → 48.1173; `degree_digits` is 2 for latitude, 3 for longitude.
enum class Coord { absent, ok, bad };
Coord coordinate(const std::string& value, const std::string& hemisphere, std::size_t degree_digits, double& out) {
  if (value.empty() && hemisphere.empty()) return Coord::absent;
  const auto dot = value.find('.');
  const std::size_t int_len = dot == std::string::npos ? value.size() : dot;
  if (int_len != degree_digits + 2 || !all_digits(value, 0, int_len)) return Coord::bad;
  if (dot != std::string::npos && dot + 1 < value.size() && !all_digits(value, dot + 1, value.size())) return Coord::bad;
  const double degrees = std::stoi(value.substr(0, degree_digits));
  double minutes = 0;
  if (!number(value.substr(degree_digits), minutes) || minutes >= 60.0) return Coord::bad;
  double v = degrees + minutes / 60.0;
  if (v > (degree_digits == 2 ? 90.0 : 180.0)) return Coord::bad;
  if (hemisphere == "S" || hemisphere == "W")
    v = -v;
  else if (hemisphere != (degree_digits == 2 ? "N" : "E"))
    return Coord::bad;
  out = rounded(v, 1e7);
  return Coord::ok;
}

class NmeaParser final : public LineParser {
 public:
  NmeaParser(std::vector<std::string> sentences, bool require_checksum)
      : sentences_(std::move(sentences)), require_checksum_(require_checksum) {}

  LineResult parse(const std::string& line) const override {
    if (line.empty() || (line[0] != '$' && line[0] != '!'))
      return LineResult::bad("parse", "not an NMEA sentence (it must start with $): \"" +
                                          printable_excerpt(line, 40) + "\"");
    const auto star = line.find('*');
    std::string body;
    if (star != std::string::npos) {
      if (line.size() != star + 3 || hex_value(line[star + 1]) < 0 || hex_value(line[star + 2]) < 0)
        return LineResult::bad("checksum", "the checksum after '*' must be two hex digits at the end of the line");
      const int given = hex_value(line[star + 1]) * 16 + hex_value(line[star + 2]);
      int computed = 0;
      for (std::size_t i = 1; i < star; ++i) computed ^= static_cast<unsigned char>(line[i]);
      if (given != computed) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "NMEA checksum mismatch: the sentence says %02X, its data gives %02X", given,
                      computed);
        return LineResult::bad("checksum", buf);
      }
      body = line.substr(1, star - 1);
    } else {
      if (require_checksum_)
        return LineResult::bad("checksum", "the sentence has no checksum (*hh at the end); set "
                                           "require_checksum: false if this device sends none");
      body = line.substr(1);
    }
    const auto fields = split(body, ',');
    const std::string& address = fields[0];
    std::string talker, type;
    if (!address.empty() && address[0] == 'P') {
      talker = "P";
      type = address;
    } else if (address.size() == 5 && std::all_of(address.begin(), address.end(), [](char c) {
                 return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
               })) {
      talker = address.substr(0, 2);
      type = address.substr(2);
    } else {
      return LineResult::bad("parse", "\"" + printable_excerpt(address, 16) + "\" is not an NMEA address (e.g. GPGGA)");
    }
    if (std::find(sentences_.begin(), sentences_.end(), type) == sentences_.end()) return LineResult::ignored();
    nlohmann::json out = {{"type", type}, {"talker", talker}};
    std::string why;
    bool ok = true;
    if (type == "GGA")
      ok = gga(fields, out, why);
    else if (type == "RMC")
      ok = rmc(fields, out, why);
    else
      out["fields"] = std::vector<std::string>(fields.begin() + 1, fields.end());
    if (!ok) return LineResult::bad("parse", type + ": " + why);
    return LineResult::reading(std::move(out));
  }

 private:
  static bool optional_number(const std::vector<std::string>& f, std::size_t i, const char* key, nlohmann::json& out,
                              std::string& why) {
    if (i >= f.size() || f[i].empty()) return true;
    double v = 0;
    if (!number(f[i], v)) {
      why = std::string(key) + " \"" + printable_excerpt(f[i], 16) + "\" is not a number";
      return false;
    }
    out[key] = v;
    return true;
  }

  static bool position(const std::vector<std::string>& f, std::size_t i, nlohmann::json& out, std::string& why) {
    double lat = 0, lon = 0;
    const Coord a = coordinate(f[i], f[i + 1], 2, lat);
    const Coord b = coordinate(f[i + 2], f[i + 3], 3, lon);
    if (a == Coord::bad || b == Coord::bad) {
      why = "the position \"" + printable_excerpt(f[i] + "," + f[i + 1] + "," + f[i + 2] + "," + f[i + 3], 48) +
            "\" is not ddmm.mmmm,N|S,dddmm.mmmm,E|W";
      return false;
    }
    if (a == Coord::ok && b == Coord::ok) {
      out["lat"] = lat;
      out["lon"] = lon;
    }
    return true;
  }

  static bool time_field(const std::vector<std::string>& f, std::size_t i, nlohmann::json& out, std::string& why) {
    if (f[i].empty()) return true;
    std::string t;
    if (!nmea_time(f[i], t)) {
      why = "the time \"" + printable_excerpt(f[i], 16) + "\" is not hhmmss.ss";
      return false;
    }
    out["time"] = t;
    return true;
  }

  // $--GGA,time,lat,N,lon,E,quality,satellites,hdop,altitude,M,geoid,M,age,station
  static bool gga(const std::vector<std::string>& f, nlohmann::json& out, std::string& why) {
    if (f.size() < 10) {
      why = "expected at least 10 fields, got " + std::to_string(f.size());
      return false;
    }
    if (!time_field(f, 1, out, why) || !position(f, 2, out, why)) return false;
    if (!f[6].empty()) {
      if (f[6].size() != 1 || !std::isdigit(static_cast<unsigned char>(f[6][0]))) {
        why = "the fix quality \"" + printable_excerpt(f[6], 8) + "\" is not a digit";
        return false;
      }
      out["fix_quality"] = f[6][0] - '0';
      out["fix"] = f[6][0] != '0';
    }
    if (!f[7].empty()) {
      nlohmann::json sats;
      if (!convert_field(f[7], FieldType::integer, sats, why)) {
        why = "satellites: " + why;
        return false;
      }
      out["satellites"] = sats;
    }
    if (!optional_number(f, 8, "hdop", out, why) || !optional_number(f, 9, "altitude_m", out, why) ||
        !optional_number(f, 11, "geoid_separation_m", out, why))
      return false;
    return true;
  }

  // $--RMC,time,status,lat,N,lon,E,speed_knots,course,date,magvar,E,mode
  static bool rmc(const std::vector<std::string>& f, nlohmann::json& out, std::string& why) {
    if (f.size() < 10) {
      why = "expected at least 10 fields, got " + std::to_string(f.size());
      return false;
    }
    if (!time_field(f, 1, out, why)) return false;
    if (f[2] != "A" && f[2] != "V") {
      why = "the status \"" + printable_excerpt(f[2], 8) + "\" is neither A (valid) nor V (warning)";
      return false;
    }
    out["valid"] = f[2] == "A";
    if (!position(f, 3, out, why) || !optional_number(f, 7, "speed_knots", out, why) ||
        !optional_number(f, 8, "course_deg", out, why))
      return false;
    if (out.contains("speed_knots")) out["speed_kmh"] = rounded(out["speed_knots"].get<double>() * 1.852, 1e3);
    if (!f[9].empty()) {
      std::string date;
      if (!nmea_date(f[9], date)) {
        why = "the date \"" + printable_excerpt(f[9], 8) + "\" is not ddmmyy";
        return false;
      }
      out["date"] = date;
      if (out.contains("time")) out["datetime"] = date + "T" + out["time"].get<std::string>() + "Z";
    }
    if (f.size() > 11 && !f[10].empty()) {
      double v = 0;
      if (!number(f[10], v) || (f[11] != "E" && f[11] != "W")) {
        why = "the magnetic variation \"" + printable_excerpt(f[10] + "," + f[11], 16) + "\" is not n.n,E|W";
        return false;
      }
      out["magnetic_variation_deg"] = f[11] == "W" ? -v : v;
    }
    return true;
  }

  std::vector<std::string> sentences_;
  bool require_checksum_;
};

}  // namespace

std::shared_ptr<const LineParser> make_nmea_parser(std::vector<std::string> sentences, bool require_checksum) {
  return std::make_shared<NmeaParser>(std::move(sentences), require_checksum);
}

}  // namespace edgebridge::serial_line
