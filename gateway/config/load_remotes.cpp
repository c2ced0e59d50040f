// `remotes:` section: one entry per cloud broker, keyed by name.
#include <algorithm>
#include <map>

#include "config/sections.hpp"

namespace edgebridge::sections {
namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void read_tls(MapReader t, RemoteConfig& r, MapReader& remote, const LoadOptions& options) {
  auto& ctx = t.context();
  r.tls.ca_file = t.path_value("ca_file");
  r.tls.cert_file = t.path_value("cert_file");
  r.tls.key_file = t.path_value("key_file");
  r.tls.alpn = t.string_list("alpn");
  r.tls.verify_hostname = t.boolean("verify_hostname", true);
  r.tls.insecure = t.boolean("insecure", false);
  t.finish();

  const YAML::Node url_node = remote.raw("url");
  if (!r.url.tls()) {
    if (!r.tls.insecure) {
      ctx.error(url_node, remote.key_path("url"),
                "\"" + r.url.text() +
                    "\" is plaintext: data and credentials would cross the network unencrypted; use mqtts:// "
                    "or, for a lab broker only, set tls: { insecure: true }");
    } else {
      ctx.warning(url_node, remote.key_path("url"), "plaintext remote allowed by tls.insecure; do not use this in production");
    }
    return;
  }
  if (r.tls.insecure)
    ctx.warning(t.raw("insecure"), t.key_path("insecure"),
                "the server certificate will not be verified; do not use this in production");
  if (!r.tls.verify_hostname)
    ctx.warning(t.raw("verify_hostname"), t.key_path("verify_hostname"),
                "the server's host name will not be checked against its certificate");
  if (r.tls.ca_file.empty() && !r.tls.insecure)
    ctx.error(t.present() ? t.node() : remote.node(), t.key_path("ca_file"),
              "is required for an mqtts:// remote (the CA that signed the server certificate, e.g. "
              "AmazonRootCA1.pem)");
  if (r.tls.cert_file.empty() != r.tls.key_file.empty())
    ctx.error(t.present() ? t.node() : remote.node(), t.key_path(r.tls.cert_file.empty() ? "cert_file" : "key_file"),
              "cert_file and key_file go together: give both for mutual TLS, or neither");
  if (options.check_files) check_tls_files(t, remote.node(), r.tls);
}

void read_outbox_limits(MapReader o, OutboxLimits& out) {
  out.max_messages = static_cast<std::uint64_t>(
      o.integer("max_messages", static_cast<std::int64_t>(out.max_messages), 1, 1'000'000'000));
  out.max_bytes = o.size("max_bytes", out.max_bytes);
  if (out.max_bytes < 4096) {
    o.context().error(o.raw("max_bytes"), o.key_path("max_bytes"), "must be at least 4KiB");
    out.max_bytes = 4096;
  }
  out.overflow = o.choice("overflow", "drop_oldest", {"drop_oldest", "drop_newest"}) == "drop_newest"
                     ? Overflow::drop_newest
                     : Overflow::drop_oldest;
  out.ttl = o.duration("ttl", out.ttl);
  o.finish();
}

void read_remote(MapReader& r, const std::string& name, const GatewaySettings& gateway, RemoteConfig& out,
                 const LoadOptions& options) {
  auto& ctx = r.context();
  out.name = name;
  out.where = ctx.location(r.node());
  std::string url_text = r.required_string("url");
  if (!url_text.empty()) {
    std::string why;
    if (auto url = parse_url(url_text, why))
      out.url = *url;
    else
      ctx.error(r.raw("url"), r.key_path("url"), why);
  }
  out.client_id = r.string("client_id", gateway.id);
  if (out.client_id.empty() || out.client_id.size() > 128)
    ctx.error(r.raw("client_id"), r.key_path("client_id"), "must be 1-128 characters");
  out.username = r.optional_string("username");
  out.password = r.secret("password", "password_file");
  out.keepalive = r.duration("keepalive", out.keepalive);
  if (out.keepalive < Duration(5000) || out.keepalive > Duration(1'200'000)) {
    ctx.error(r.raw("keepalive"), r.key_path("keepalive"), "must be between 5s and 20m (AWS IoT accepts 30s-20m)");
  }
  out.connect_timeout = r.duration("connect_timeout", out.connect_timeout);
  out.protocol = read_protocol(r);
  out.clean_session = r.boolean("clean_session", out.clean_session);
  const bool aws = ends_with(out.url.host, ".amazonaws.com");
  out.max_publish_rate = r.rate("max_publish_rate", aws ? Rate{100.0} : Rate{});
  out.max_bytes_rate = r.byte_rate("max_bytes_rate", Rate{});
  out.inflight = static_cast<int>(r.integer("inflight", out.inflight, 1, 65535));
  out.store_qos0 = r.boolean("store_qos0", true);
  out.max_message_size = static_cast<std::size_t>(r.size("max_message_size", out.max_message_size));
  // MQTT's own limit is 256 MiB (the Remaining Length's four bytes).
  if (out.max_message_size < 1024 || out.max_message_size > 256 * 1024 * 1024) {
    r.context().error(r.raw("max_message_size"), r.key_path("max_message_size"),
                      "must be between 1KiB and 256MiB (MQTT's own limit)");
    out.max_message_size = 128 * 1024;
  }
  out.dead_letter_after_closes =
      static_cast<int>(r.integer("dead_letter_after_closes", out.dead_letter_after_closes, 0, 100));
  read_outbox_limits(r.child("outbox"), out.outbox);
  read_reconnect(r.child("reconnect"), out.reconnect);
  if (!out.url.host.empty()) read_tls(r.child("tls"), out, r, options);
  else r.allow("tls");
  r.finish();
}

}  // namespace

void read_remotes(MapReader& root, const GatewaySettings& gateway, std::vector<RemoteConfig>& out,
                  const LoadOptions& options) {
  YAML::Node node = root.raw("remotes");
  auto& ctx = root.context();
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    ctx.error(node, "remotes", "expected a mapping of remote names to settings, e.g. remotes: { ops: { url: ... } }");
    return;
  }
  std::map<std::string, std::string> endpoints;  // host:port/client_id -> remote name
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string name = it->first.Scalar();
    if (!valid_name(name)) {
      ctx.error(it->first, "remotes", "\"" + name + "\" is not a valid remote name; use letters, digits, '-' or '_'");
      continue;
    }
    if (std::any_of(out.begin(), out.end(), [&](const RemoteConfig& r) { return r.name == name; })) {
      ctx.error(it->first, "remotes." + name, "is defined twice");
      continue;
    }
    MapReader r(ctx, it->second, "remotes." + name);
    RemoteConfig remote;
    read_remote(r, name, gateway, remote, options);
    const std::string key = remote.url.host + ":" + std::to_string(remote.url.port) + "/" + remote.client_id;
    if (auto [pos, inserted] = endpoints.emplace(key, name); !inserted) {
      YAML::Node at = r.has("client_id") ? r.raw("client_id") : r.node();
      ctx.error(at, r.key_path("client_id"),
                "remote \"" + pos->second + "\" already connects to " + remote.url.host + " as \"" +
                    remote.client_id + "\"; a broker disconnects one of two clients with the same id");
    }
    out.push_back(std::move(remote));
  }
}

}  // namespace edgebridge::sections
