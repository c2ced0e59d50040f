#include "ir_tcp/ir_code.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/text.hpp"

namespace edgebridge::ir_tcp {
namespace {

// A decimal number of at most 9 digits; nullopt otherwise.
std::optional<int> decimal(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.push_back(trim_whitespace(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start)));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string quoted_prefix(const std::string& s) {
  return "\"" + (s.size() > 24 ? s.substr(0, 24) + "..." : s) + "\"";
}

}  // namespace

std::string IrConnector::text() const { return std::to_string(module) + ":" + std::to_string(connector); }

std::optional<IrConnector> parse_connector(const std::string& text, std::string& why) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    why = quoted_prefix(text) + " is not a connector address; write module:connector, e.g. 1:1";
    return std::nullopt;
  }
  auto m = decimal(trim_whitespace(text.substr(0, colon)));
  auto c = decimal(trim_whitespace(text.substr(colon + 1)));
  if (!m || !c) {
    why = quoted_prefix(text) + " is not a connector address; write module:connector, e.g. 1:1";
    return std::nullopt;
  }
  if (*m < 1 || *m > 99 || *c < 1 || *c > 99) {
    why = "connector address " + text + " is out of range; module and connector are 1-99 (an IP2IR has 1:1 to 1:3)";
    return std::nullopt;
  }
  return IrConnector{*m, *c};
}

std::string IrCode::sendir(int send_id, int repeat_override) const {
  std::string out = "sendir," + connector.text() + "," + std::to_string(send_id) + "," + std::to_string(frequency) +
                    "," + std::to_string(repeat_override > 0 ? repeat_override : repeat) + "," + std::to_string(offset);
  for (int t : timings) out += "," + std::to_string(t);
  return out;
}

std::chrono::milliseconds IrCode::play_time(int repeat_override) const {
  if (frequency <= 0) return std::chrono::milliseconds(0);
  double all = 0, from_offset = 0;
  for (std::size_t i = 0; i < timings.size(); ++i) {
    all += timings[i];
    if (static_cast<int>(i) >= offset - 1) from_offset += timings[i];
  }
  const int plays = repeat_override > 0 ? repeat_override : repeat;
  const double cycles = all + (plays - 1) * from_offset;
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(cycles * 1000.0 / frequency)));
}

std::string ir_code_problem(const IrCode& c) {
  if (c.connector.module < 1 || c.connector.module > 99 || c.connector.connector < 1 || c.connector.connector > 99)
    return "connector address " + c.connector.text() + " is out of range; module and connector are 1-99";
  if (c.id < 0 || c.id > kIrMaxId) return "id " + std::to_string(c.id) + " is out of range 0-65535";
  if (c.frequency < kIrMinFrequency || c.frequency > kIrMaxFrequency)
    return "frequency " + std::to_string(c.frequency) + " Hz is out of range; the iTach accepts 15000-500000 Hz";
  if (c.repeat < 1 || c.repeat > kIrMaxRepeat)
    return "repeat " + std::to_string(c.repeat) + " is out of range; the iTach accepts 1-50";
  if (c.timings.empty()) return "the code has no on/off values";
  if (c.timings.size() % 2 != 0)
    return "the code has " + std::to_string(c.timings.size()) +
           " on/off values; they come in on,off pairs, so the count must be even";
  if (c.timings.size() / 2 > kIrMaxPairs)
    return "the code has " + std::to_string(c.timings.size() / 2) + " on/off pairs; the iTach accepts at most 260";
  for (std::size_t i = 0; i < c.timings.size(); ++i) {
    if (c.timings[i] < 1 || c.timings[i] > 65'535)
      return "on/off value " + std::to_string(i + 1) + " (" + std::to_string(c.timings[i]) +
             ") is out of range 1-65535 carrier periods";
  }
  if (c.offset < 1 || c.offset % 2 == 0 || c.offset >= static_cast<int>(c.timings.size()))
    return "offset " + std::to_string(c.offset) + " must be odd and point at an on-value (1 to " +
           std::to_string(c.timings.size() - 1) + ")";
  return {};
}

std::optional<IrCode> parse_sendir(const std::string& raw, std::string& why) {
  const std::string text = trim_whitespace(raw);
  auto fields = split(text, ',');
  if (fields.empty() || fields[0] != "sendir") {
    why = quoted_prefix(text) + " is not a sendir command; it must start with \"sendir,\"";
    return std::nullopt;
  }
  if (fields.size() < 8) {
    why = "a sendir command needs sendir,module:connector,id,frequency,repeat,offset and on/off pairs; this one has " +
          std::to_string(fields.size()) + " fields";
    return std::nullopt;
  }
  IrCode code;
  auto connector = parse_connector(fields[1], why);
  if (!connector) return std::nullopt;
  code.connector = *connector;
  static const char* names[] = {"id", "frequency", "repeat", "offset"};
  int* targets[] = {&code.id, &code.frequency, &code.repeat, &code.offset};
  for (std::size_t i = 0; i < 4; ++i) {
    auto v = decimal(fields[i + 2]);
    if (!v) {
      why = std::string(names[i]) + " " + quoted_prefix(fields[i + 2]) + " is not a whole number";
      return std::nullopt;
    }
    *targets[i] = *v;
  }
  for (std::size_t i = 6; i < fields.size(); ++i) {
    const std::string& f = fields[i];
    if (!f.empty() && f[0] >= 'A' && f[0] <= 'Z') {
      why = "the code is compressed (letters stand for repeated pairs); export it uncompressed "
            "(iLearn: untick \"compress\") or as Pronto hex";
      return std::nullopt;
    }
    auto v = decimal(f);
    if (!v) {
      why = "on/off value " + std::to_string(i - 5) + " " + quoted_prefix(f) + " is not a whole number";
      return std::nullopt;
    }
    code.timings.push_back(*v);
  }
  why = ir_code_problem(code);
  if (!why.empty()) return std::nullopt;
  return code;
}

std::optional<IrCode> parse_pronto(const std::string& raw, std::string& why) {
  std::vector<int> words;
  const std::string text = trim_whitespace(raw);
  std::size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const std::string word = text.substr(start, i - start);
    if (word.size() != 4 || !std::all_of(word.begin(), word.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      why = "Pronto hex is groups of four hex digits; word " + std::to_string(words.size() + 1) + " is " +
            quoted_prefix(word);
      return std::nullopt;
    }
    words.push_back(static_cast<int>(std::stoul(word, nullptr, 16)));
    if (words.size() > 4 + 2 * 2 * kIrMaxPairs) {
      why = "the Pronto code is longer than the iTach accepts (260 on/off pairs)";
      return std::nullopt;
    }
  }
  if (words.size() < 6) {
    why = "a Pronto code needs at least 6 words (0000, frequency, two counts, one on/off pair)";
    return std::nullopt;
  }
  if (words[0] != 0) {
    why = "only learned Pronto codes (first word 0000) can be played; this one starts with " +
          text.substr(0, 4);
    return std::nullopt;
  }
  if (words[1] == 0) {
    why = "the Pronto frequency word is 0000";
    return std::nullopt;
  }
  const std::size_t once = static_cast<std::size_t>(words[2]);
  const std::size_t repeat = static_cast<std::size_t>(words[3]);
  if (once + repeat == 0 || words.size() != 4 + 2 * (once + repeat)) {
    why = "the Pronto counts say " + std::to_string(once) + " + " + std::to_string(repeat) + " pairs (" +
          std::to_string(2 * (once + repeat)) + " words), but " + std::to_string(words.size() - 4) + " words follow";
    return std::nullopt;
  }
  IrCode code;
  code.frequency = static_cast<int>(std::lround(1'000'000.0 / (words[1] * 0.241246)));
  code.repeat = 1;
  code.offset = (once > 0 && repeat > 0) ? static_cast<int>(2 * once + 1) : 1;
  code.timings.assign(words.begin() + 4, words.end());
  why = ir_code_problem(code);
  if (!why.empty()) return std::nullopt;
  return code;
}

std::optional<IrCode> parse_ir_code(const std::string& text, std::string& why) {
  const std::string t = trim_whitespace(text);
  if (t.rfind("sendir", 0) == 0) return parse_sendir(t, why);
  return parse_pronto(t, why);
}

}  // namespace edgebridge::ir_tcp
