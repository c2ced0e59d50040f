#include "observe/metrics_text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <map>

namespace edgebridge {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

class Writer {
 public:
  void family(const std::string& name, const char* type, const std::string& help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    current_ = name;
  }
  void sample(const Labels& labels, double value) { sample_named(current_, labels, value); }
  void sample(double value) { sample_named(current_, {}, value); }
  void sample(const Labels& labels, std::uint64_t value) { sample_named(current_, labels, std::to_string(value)); }
  void sample(std::uint64_t value) { sample_named(current_, {}, std::to_string(value)); }
  std::string take() { return std::move(out_); }

 private:
  void sample_named(const std::string& name, const Labels& labels, double value) {
    sample_named(name, labels, format_value(value));
  }
  void sample_named(const std::string& name, const Labels& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i) out_ += ',';
        out_ += labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ' + value + '\n';
  }
  std::string out_;
  std::string current_;
};

double unix_seconds(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) return 0;
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()) /
         1000.0;
}

constexpr LinkState kStates[] = {LinkState::stopped, LinkState::waiting_clock, LinkState::connecting,
                                 LinkState::connected, LinkState::backoff};

void link_families(Writer& w, const GatewaySnapshot& s) {
  w.family("edgebridge_local_connected", "gauge", "1 while the session with the local broker is connected.");
  w.sample(s.local.state == LinkState::connected ? 1.0 : 0.0);
  w.family("edgebridge_local_connects_total", "counter", "Successful connects to the local broker.");
  w.sample(s.local.connects);
  w.family("edgebridge_local_refused_total", "counter",
           "Messages the local broker refused (MQTT 5 reason code >= 0x80, e.g. its ACL): not delivered.");
  w.sample(s.local.refused);
  w.family("edgebridge_local_state", "gauge", "State of the local broker session: 1 for the current state.");
  for (auto st : kStates) w.sample({{"state", to_string(st)}}, s.local.state == st ? 1.0 : 0.0);

  w.family("edgebridge_remote_connected", "gauge", "1 while the remote is connected.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.link.state == LinkState::connected ? 1.0 : 0.0);
  w.family("edgebridge_remote_connects_total", "counter", "Successful connects to the remote.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.link.connects);
  w.family("edgebridge_remote_state", "gauge", "State of the remote's session: 1 for the current state.");
  for (const auto& r : s.remotes)
    for (auto st : kStates) w.sample({{"remote", r.name}, {"state", to_string(st)}}, r.link.state == st ? 1.0 : 0.0);
  w.family("edgebridge_remote_state_since_seconds", "gauge",
           "Unix time of the remote's last state change.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, unix_seconds(r.link.since));
  w.family("edgebridge_remote_healthy", "gauge",
           "1 while the remote is connected or down for less than gateway.health_grace.");
  for (const auto& h : s.health.remotes) w.sample({{"remote", h.remote}}, h.within_grace ? 1.0 : 0.0);
}

void message_families(Writer& w, const GatewaySnapshot& s) {
  w.family("edgebridge_messages_received_total", "counter", "Messages that entered the gateway, by source.");
  w.sample({{"source", "local"}}, s.messages.received_local);
  w.sample({{"source", "remote"}}, s.messages.received_remote);
  w.sample({{"source", "device"}}, s.messages.received_device);
  w.family("edgebridge_local_published_total", "counter", "Messages published to the local broker.");
  w.sample(s.messages.published_local);
  w.family("edgebridge_local_publish_failed_total", "counter",
           "Messages the local broker session did not take (disconnected and its buffer full): lost.");
  w.sample(s.messages.local_publish_failed);
  w.family("edgebridge_messages_unrouted_total", "counter", "Messages no mapping or device wanted.");
  w.sample(s.messages.unrouted);
  w.family("edgebridge_device_commands_total", "counter", "Commands handed to device adapters.");
  w.sample(s.messages.device_commands);
}

void outbox_families(Writer& w, const GatewaySnapshot& s) {
  w.family("edgebridge_outbox_stored_total", "counter",
           "Messages written to the remote's outbox database (one acknowledged before its commit never is).");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.stored);
  w.family("edgebridge_outbox_sent_total", "counter",
           "Messages handed to the remote's connection, alone or inside a batch, resends included.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.sent);
  w.family("edgebridge_outbox_batches_sent_total", "counter",
           "Batches (one publish carrying several messages) handed to the remote's connection, resends included.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.batches_sent);
  w.family("edgebridge_outbox_batch_entries_total", "counter",
           "Messages carried by the batches sent (divided by batches_sent_total: the mean per batch).");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.batch_entries);
  w.family("edgebridge_outbox_batch_bytes_total", "counter",
           "Payload bytes of the batches sent (divided by batches_sent_total: the mean per batch).");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.batch_bytes);
  w.family("edgebridge_remote_forwarded_total", "counter",
           "Messages the remote acknowledged and the outbox deleted.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.acked);
  w.family("edgebridge_outbox_dropped_total", "counter", "Messages removed without delivery, by reason.");
  for (const auto& r : s.remotes)
    for (std::size_t i = 0; i < kDropReasons; ++i)
      w.sample({{"remote", r.name}, {"reason", to_string(static_cast<DropReason>(i))}}, r.outbox.dropped[i]);
  w.family("edgebridge_outbox_dead_lettered_total", "counter",
           "Messages the remote refused for good (moved to the dead letters), by reason.");
  for (const auto& r : s.remotes)
    for (std::size_t i = 0; i < kDeadLetterReasons; ++i)
      w.sample({{"remote", r.name}, {"reason", to_string(static_cast<DeadLetterReason>(i))}},
               r.outbox.dead_lettered[i]);
  w.family("edgebridge_outbox_dead_letters", "gauge", "Dead letters kept now (edgebridge outbox dead-letters).");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.dead_letters);
  w.family("edgebridge_outbox_accepted_total", "counter", "Messages taken into the remote's outbox.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.accepted);
  w.family("edgebridge_outbox_depth_messages", "gauge", "Messages waiting in the remote's outbox.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.depth);
  w.family("edgebridge_outbox_depth_bytes", "gauge", "Topic and payload bytes waiting in the remote's outbox.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.depth_bytes);
  w.family("edgebridge_outbox_oldest_age_seconds", "gauge", "Age of the oldest waiting message; 0 when empty.");
  for (const auto& r : s.remotes)
    w.sample({{"remote", r.name}}, static_cast<double>(r.outbox.oldest_age_ms) / 1000.0);
  w.family("edgebridge_outbox_pending_messages", "gauge", "Messages accepted but not yet committed.");
  for (const auto& r : s.remotes) w.sample({{"remote", r.name}}, r.outbox.pending);
}

void device_families(Writer& w, const GatewaySnapshot& s) {
  struct Sample {
    Labels labels;
    double value;
  };
  std::map<std::string, std::pair<DeviceMetricName, std::vector<Sample>>> families;
  std::map<std::string, std::string> adapter_names;
  for (const auto& d : s.devices) {
    for (const auto& [name, value] : d.metrics) {
      const DeviceMetricName m = device_metric_name(name);
      auto& family = families[m.name];
      family.first = m;
      family.second.push_back({{{"device", d.name}, {"type", d.type}}, value * m.scale});
      adapter_names[m.name] = name;
    }
  }
  for (const auto& [name, family] : families) {
    w.family(name, family.first.gauge ? "gauge" : "counter",
             "The device adapter's " + adapter_names[name] + (family.first.scale != 1.0 ? " (in seconds)." : "."));
    for (const auto& sample : family.second) w.sample(sample.labels, sample.value);
  }
}

void rule_families(Writer& w, const GatewaySnapshot& s) {
  if (s.rules.empty()) return;
  const std::pair<const char*, std::uint64_t RuleMetrics::*> counters[] = {
      {"evaluations", &RuleMetrics::evaluations},
      {"matched", &RuleMetrics::matched},
      {"undefined", &RuleMetrics::undefined},
      {"fired", &RuleMetrics::fired},
      {"action_errors", &RuleMetrics::action_errors},
      {"error_action_failures", &RuleMetrics::error_action_failures},
  };
  const char* help[] = {"Messages whose topic matched the rule's FROM.", "... whose WHERE was true.",
                        "... whose WHERE was Undefined (e.g. a missing key).", "Times the rule's actions ran.",
                        "Actions that failed (each ran the error action).", "Error actions that failed too."};
  std::size_t i = 0;
  for (const auto& [name, member] : counters) {
    w.family(std::string("edgebridge_rule_") + name + "_total", "counter", help[i++]);
    for (const auto& r : s.rules) w.sample({{"rule", r.rule}}, r.*member);
  }
  w.family("edgebridge_rule_holding", "gauge", "1 while a `for:` hold is running and has not fired.");
  for (const auto& r : s.rules) w.sample({{"rule", r.rule}}, r.holding ? 1.0 : 0.0);
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

DeviceMetricName device_metric_name(const std::string& adapter_name) {
  std::string base;
  for (char c : adapter_name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      base += static_cast<char>(std::tolower(u));
    else
      base += '_';
  }
  if (base.empty()) base = "unnamed";
  DeviceMetricName m;
  const auto ends_with = [&](const std::string& suffix) {
    return base.size() >= suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("_ms")) {
    base = base.substr(0, base.size() - 3) + "_seconds";
    m.scale = 0.001;
  }
  m.gauge = base == "online" || ends_with("_seconds") || base.rfind("last_", 0) == 0;
  m.name = "edgebridge_device_" + base + (m.gauge ? "" : "_total");
  return m;
}

std::string render_metrics(const GatewaySnapshot& s) {
  Writer w;
  w.family("edgebridge_up", "gauge", "1 while edgebridge runs.");
  w.sample(1.0);
  w.family("edgebridge_build_info", "gauge", "The running build; the value is always 1.");
  w.sample({{"version", s.version}, {"gateway", s.id}}, 1.0);
  w.family("edgebridge_start_time_seconds", "gauge", "Unix time edgebridge started.");
  w.sample(unix_seconds(s.started_at));
  w.family("edgebridge_healthy", "gauge", "1 when /healthz answers 200.");
  w.sample(s.health.healthy ? 1.0 : 0.0);
  link_families(w, s);
  message_families(w, s);
  outbox_families(w, s);
  device_families(w, s);
  rule_families(w, s);
  return w.take();
}

}  // namespace edgebridge
