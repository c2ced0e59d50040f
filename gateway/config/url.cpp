#include <cctype>
#include <cstdlib>

#include "config/config.hpp"

namespace edgebridge {

std::optional<Url> parse_url(const std::string& text, std::string& why) {
  const char* help = "write it as mqtt://host:port (plaintext) or mqtts://host:port (TLS)";
  auto sep = text.find("://");
  if (sep == std::string::npos) {
    why = "\"" + text + "\" is not a broker URL; " + help;
    return std::nullopt;
  }
  Url url;
  std::string scheme = text.substr(0, sep);
  if (scheme == "mqtt" || scheme == "tcp") {
    url.scheme = "mqtt";
  } else if (scheme == "mqtts" || scheme == "ssl" || scheme == "tls") {
    url.scheme = "mqtts";
  } else {
    why = "unsupported scheme \"" + scheme + "\"; " + help;
    return std::nullopt;
  }
  std::string rest = text.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos || rest.find('@') != std::string::npos) {
    why = "\"" + text + "\" has a path or user part; " + help + " (credentials go in username/password)";
    return std::nullopt;
  }
  std::string host = rest;
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    auto close = rest.find(']');
    if (close == std::string::npos) {
      why = "\"" + text + "\" has an unclosed IPv6 bracket";
      return std::nullopt;
    }
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port_text = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  }
  if (host.empty()) {
    why = "\"" + text + "\" has no host; " + help;
    return std::nullopt;
  }
  url.host = host;
  url.port = url.tls() ? 8883 : 1883;
  if (!port_text.empty()) {
    char* end = nullptr;
    long port = std::strtol(port_text.c_str(), &end, 10);
    if (*end != '\0' || port < 1 || port > 65535) {
      why = "\"" + port_text + "\" is not a port number (1-65535)";
      return std::nullopt;
    }
    url.port = static_cast<int>(port);
  }
  return url;
}

std::string Url::text() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

const char* to_string(Direction d) {
  switch (d) {
    case Direction::in: return "in";
    case Direction::out: return "out";
    case Direction::both: return "both";
  }
  return "?";
}

const char* to_string(MqttProtocol p) {
  switch (p) {
    case MqttProtocol::automatic: return "auto";
    case MqttProtocol::v5: return "5";
    case MqttProtocol::v311: return "3.1.1";
  }
  return "?";
}

const char* to_string(Overflow o) { return o == Overflow::drop_oldest ? "drop_oldest" : "drop_newest"; }
const char* to_string(Durability d) { return d == Durability::normal ? "normal" : "full"; }

const RemoteConfig* Config::find_remote(const std::string& name) const {
  for (const auto& r : remotes)
    if (r.name == name) return &r;
  return nullptr;
}

const DeviceConfig* Config::find_device(const std::string& name) const {
  for (const auto& d : devices)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace edgebridge
