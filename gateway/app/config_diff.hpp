#pragma once
// What a reload changes: the running configuration compared with a newly
// loaded one, section by section. Plain data in, plain data out (unit tested);
// Gateway::reload applies it.
//
// Live: topics (routes and subscriptions), remotes added/removed/changed,
// devices added/removed/changed, rules, gateway.log_level and
// gateway.tls_check_interval. Restart only: gateway.id, gateway.state_dir,
// gateway.durability, gateway.status_topic and everything under local: — a
// reload keeps the running values of those and names each changed key.

#include <string>
#include <vector>

#include "config/config.hpp"

namespace edgebridge {

struct ConfigDiff {
  // Keys whose new value needs a restart, e.g. "gateway.state_dir", "local.url".
  std::vector<std::string> restart_keys;
  bool routes_changed = false;  // anything in `topics:` (order included)
  std::vector<std::string> remotes_added;
  std::vector<std::string> remotes_removed;
  std::vector<std::string> remotes_changed;    // connection or outbox settings differ: recreated
  std::vector<std::string> remotes_unchanged;
  std::vector<std::string> devices_added;
  std::vector<std::string> devices_removed;
  std::vector<std::string> devices_changed;    // the entry differs: stopped and created again
  bool rules_changed = false;
  bool log_level_changed = false;
  bool tls_check_interval_changed = false;

  bool empty() const;
};

ConfigDiff diff_config(const Config& running, const Config& next);

// `next` with the restart-only settings put back to their running values: the
// configuration a reload actually applies.
Config live_config(const Config& running, Config next);

// Field by field, ignoring where in the file it was written.
bool same_remote(const RemoteConfig& a, const RemoteConfig& b);
bool same_topics(const std::vector<TopicMapping>& a, const std::vector<TopicMapping>& b);

}  // namespace edgebridge
