#pragma once
// The effective configuration: bridge.yaml after validation, with every default
// filled in. Plain data; the loader (loader/loader.hpp) builds it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/units.hpp"
#include "core/backoff.hpp"
#include "core/batch_spec.hpp"

namespace edgebridge {

struct Url {
  std::string scheme;  // mqtt | mqtts (tcp and ssl accepted as synonyms)
  std::string host;
  int port = 0;
  bool tls() const { return scheme == "mqtts"; }
  std::string text() const;      // mqtt://host:port
};

std::optional<Url> parse_url(const std::string& text, std::string& why);

enum class Direction { in, out, both };
const char* to_string(Direction d);

// One line of `topics:`: Mosquitto's `topic pattern dir qos local_prefix remote_prefix`.
struct TopicMapping {
  std::string pattern;        // may be empty when the prefixes name the whole topic
  Direction direction = Direction::out;
  int qos = 1;
  std::string local_prefix;
  std::string remote_prefix;
  std::vector<std::string> remotes;  // resolved remote names (all remotes when `remote:` is absent)
  Location where;
  std::size_t index = 0;  // position in `topics:`; the first matching mapping wins per remote
  // `batch:` (out and both only): its messages reach each remote packed into
  // batches on batch->topic (docs/batching.md). Null: one publish per message.
  std::shared_ptr<const BatchSpec> batch;

  std::string local_filter() const { return local_prefix + pattern; }
  std::string remote_filter() const { return remote_prefix + pattern; }
};

enum class MqttProtocol { automatic, v5, v311 };
const char* to_string(MqttProtocol p);

struct TlsConfig {
  std::string ca_file;    // PEM: the CA(s) that signed the server certificate
  std::string cert_file;  // PEM: client certificate, optionally followed by its chain
  std::string key_file;   // PEM: client private key (must not be world-readable)
  std::vector<std::string> alpn;  // e.g. x-amzn-mqtt-ca for AWS IoT on port 443
  bool verify_hostname = true;    // check the server certificate names the host we dialled
  bool insecure = false;          // allow mqtt:// (no TLS) or an unverified server; lab use only
  // TLS 1.2 or newer is always required (mqtt/tls_context.cpp sets the minimum).
};

enum class Overflow { drop_oldest, drop_newest };
const char* to_string(Overflow o);

struct OutboxLimits {
  std::uint64_t max_messages = 1'000'000;
  std::uint64_t max_bytes = 512ULL * 1024 * 1024;
  Overflow overflow = Overflow::drop_oldest;
  Duration ttl{7LL * 24 * 3600 * 1000};  // 7d; 0 = keep forever
};

struct RemoteConfig {
  std::string name;
  Url url;
  std::string client_id;
  TlsConfig tls;
  std::optional<std::string> username;
  std::optional<std::string> password;  // never logged
  Duration keepalive{30'000};
  Duration connect_timeout{10'000};
  MqttProtocol protocol = MqttProtocol::automatic;
  // false: the cloud keeps our session (subscriptions, QoS 1 messages for `in`
  // mappings) across a reconnect, for up to an hour; true drops what it held.
  bool clean_session = false;
  Rate max_publish_rate{};  // default set by the loader: 100/s for AWS IoT hosts, else unlimited
  Rate max_bytes_rate{};    // unlimited
  int inflight = 64;        // QoS 1 publishes awaiting PUBACK; 1 = strict order across reconnects
  bool store_qos0 = true;   // QoS 0 routes are stored while the remote is down
  // Payloads larger than this are dead-lettered (too_large) without being sent;
  // AWS IoT Core refuses messages over 128 KB. 0 = no limit of ours.
  std::size_t max_message_size = 128 * 1024;
  // A message after which the remote closed the connection this many times in
  // a row is dead-lettered (closed_connection); 0 = never.
  int dead_letter_after_closes = 3;
  OutboxLimits outbox;
  ReconnectPolicy reconnect;
  // The batch streams of this remote (its out-mappings' and rule actions'
  // `batch:`, one per batch topic), filled in by the loader.
  std::vector<std::shared_ptr<const BatchSpec>> batches;
  Location where;
};

struct LocalConfig {
  Url url{"mqtt", "127.0.0.1", 1883};
  std::string client_id;  // default: edgebridge-<gateway.id>
  std::optional<std::string> username;
  std::optional<std::string> password;
  Duration keepalive{30'000};
  MqttProtocol protocol = MqttProtocol::automatic;
  Duration session_expiry{7LL * 24 * 3600 * 1000};  // how long the broker keeps our queue while we are away
  int max_buffered = 100'000;  // publishes to the local broker held while it restarts
  ReconnectPolicy reconnect{Duration{1000}, Duration{10'000}, Duration{30'000}};
};

enum class Durability { normal, full };
const char* to_string(Durability d);

// Where the metrics/health HTTP endpoint listens (`gateway.metrics`).
struct ListenAddress {
  std::string host = "127.0.0.1";  // an IP literal; 0.0.0.0 or :: listen on every interface
  int port = 9810;
  bool ipv6() const { return host.find(':') != std::string::npos; }
  std::string text() const;  // 127.0.0.1:9810 or [::1]:9810
};
// "host:port" with an IPv4 literal, "localhost" or a bracketed IPv6 literal.
// Empty result: `why` says what is wrong.
std::optional<ListenAddress> parse_listen_address(const std::string& text, std::string& why);

struct GatewaySettings {
  std::string id;          // default: the host name
  std::string state_dir = "/var/lib/edgebridge";
  std::string log_level = "info";
  Durability durability = Durability::normal;
  std::string status_topic;  // default: edgebridge/<id>/status
  Duration tls_check_interval{10'000};  // how often the remotes' TLS files are looked at for rotation
  // Watching it (app/observability.hpp): /metrics, /healthz, /stats and the stats topic.
  std::optional<ListenAddress> metrics = ListenAddress{};  // nullopt: `metrics: false`
  Duration health_grace{120'000};   // a remote may be down this long before /healthz says 503
  Duration stats_interval{60'000};  // retained JSON summary on the local broker; 0 = never
  std::string stats_topic;          // default: edgebridge/<id>/stats
  // Where a notice about each dead-lettered message is published on the local
  // broker; default edgebridge/<id>/deadletter; empty (`false`) = nowhere.
  std::string dead_letter_topic;
  // Dead letters kept (all remotes together); beyond, the oldest go (counted).
  std::uint64_t max_dead_letters = 10'000;
};

// A device's type-specific settings; each adapter defines its own subclass.
class DeviceSettings {
 public:
  virtual ~DeviceSettings() = default;
};

struct ShadowConfig;  // a device's `shadow:` section (shadow/shadow_config.hpp)

struct DeviceConfig {
  std::string name;
  std::string type;
  std::string topic;                         // where readings go; commands arrive under it
  std::vector<std::string> command_filters;  // local topic filters the device takes commands on
  Location where;
  std::shared_ptr<const DeviceSettings> settings;
  std::shared_ptr<const ShadowConfig> shadow;  // null: the device has no cloud shadow
  std::string fingerprint;  // the entry as written, comments and key order aside (reload compares it)
};

struct RulesConfig;  // the `rules:` section (rules/rule_config.hpp)

struct Config {
  std::string source_file;
  GatewaySettings gateway;
  LocalConfig local;
  std::vector<RemoteConfig> remotes;
  std::vector<TopicMapping> topics;
  std::vector<DeviceConfig> devices;
  std::shared_ptr<const RulesConfig> rules;  // never null after loading; may hold no rules
  std::string rules_fingerprint;             // the `rules:` section, likewise

  const RemoteConfig* find_remote(const std::string& name) const;
  const DeviceConfig* find_device(const std::string& name) const;
};

}  // namespace edgebridge
