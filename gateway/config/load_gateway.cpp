// `gateway:` and `local:` sections.
#include <unistd.h>

#include <climits>

#include "config/sections.hpp"

namespace edgebridge::sections {
namespace {

std::string host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf) != 0 || buf[0] == '\0') return "edgebridge";
  return buf;
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

void read_gateway(MapReader& root, GatewaySettings& out, const LoadOptions& options) {
  MapReader g = root.child("gateway");
  const std::string fallback_id = options.default_gateway_id.empty() ? host_name() : options.default_gateway_id;
  out.id = g.string("id", fallback_id);
  if (!valid_id(out.id)) {
    g.context().error(g.raw("id"), g.key_path("id"),
                      "\"" + out.id + "\" is not a valid id; use 1-128 letters, digits, '-', '_' or '.'");
  }
  out.state_dir = g.string("state_dir", out.state_dir);
  if (!out.state_dir.empty() && out.state_dir.front() != '/')
    out.state_dir = g.context().resolve_path(out.state_dir);
  out.log_level = g.choice("log_level", out.log_level, {"trace", "debug", "info", "warn", "error"});
  out.durability = g.choice("durability", "normal", {"normal", "full"}) == "full" ? Durability::full
                                                                                     : Durability::normal;
  out.status_topic = g.string("status_topic", "edgebridge/" + out.id + "/status");
  if (auto why = topic_name_problem(out.status_topic); !why.empty())
    g.context().error(g.raw("status_topic"), g.key_path("status_topic"), why);
  out.dead_letter_topic = g.string("dead_letter_topic", "edgebridge/" + out.id + "/deadletter");
  if (out.dead_letter_topic == "false") {
    out.dead_letter_topic.clear();
  } else if (auto why = topic_name_problem(out.dead_letter_topic); !why.empty()) {
    g.context().error(g.raw("dead_letter_topic"), g.key_path("dead_letter_topic"), why + ", or false for none");
  }
  out.max_dead_letters = static_cast<std::uint64_t>(
      g.integer("max_dead_letters", static_cast<std::int64_t>(out.max_dead_letters), 1, 10'000'000));
  out.tls_check_interval = g.duration("tls_check_interval", out.tls_check_interval);
  if (out.tls_check_interval < Duration(1000)) {
    g.context().error(g.raw("tls_check_interval"), g.key_path("tls_check_interval"),
                      "must be at least 1s (the TLS files are looked at this often)");
    out.tls_check_interval = Duration(1000);
  }
  read_observability(g, out);
  g.finish();
}

void read_reconnect(MapReader r, ReconnectPolicy& out) {
  out.min_delay = r.duration("min", out.min_delay);
  out.max_delay = r.duration("max", out.max_delay);
  out.stable_after = r.duration("stable_after", out.stable_after);
  if (out.min_delay < Duration(1000)) {
    r.context().error(r.raw("min"), r.key_path("min"),
                      "must be at least 1s (never more than one CONNECT per second per client id)");
    out.min_delay = Duration(1000);
  }
  if (out.max_delay < out.min_delay) {
    r.context().error(r.raw("max"), r.key_path("max"), "must not be shorter than reconnect.min");
    out.max_delay = out.min_delay;
  }
  r.finish();
}

MqttProtocol read_protocol(MapReader& node) {
  const std::string p = node.choice("protocol", "auto", {"auto", "5", "3.1.1"});
  if (p == "5") return MqttProtocol::v5;
  if (p == "3.1.1") return MqttProtocol::v311;
  return MqttProtocol::automatic;
}

void read_local(MapReader& root, const GatewaySettings& gateway, LocalConfig& out) {
  MapReader l = root.child("local");
  if (auto text = l.optional_string("url")) {
    std::string why;
    if (auto url = parse_url(*text, why)) {
      out.url = *url;
      if (url->tls())
        l.context().error(l.raw("url"), l.key_path("url"),
                          "the local broker is reached in plaintext; use mqtt://host:port");
    } else {
      l.context().error(l.raw("url"), l.key_path("url"), why);
    }
  }
  out.client_id = l.string("client_id", "edgebridge-" + gateway.id);
  out.username = l.optional_string("username");
  out.password = l.secret("password", "password_file");
  out.keepalive = l.duration("keepalive", out.keepalive);
  out.protocol = read_protocol(l);
  out.session_expiry = l.duration("session_expiry", out.session_expiry);
  out.max_buffered = static_cast<int>(l.integer("max_buffered", out.max_buffered, 1, 10'000'000));
  read_reconnect(l.child("reconnect"), out.reconnect);
  l.finish();
}

}  // namespace edgebridge::sections
