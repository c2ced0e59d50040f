#pragma once
// The `shadow:` section of one device (docs/shadows.md), after bridge.yaml was
// validated: which cloud shadow stands for the device, what the device
// reports into it and which desired keys it carries out. Plain data.

#include <optional>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/units.hpp"
#include "core/shadow_binding.hpp"

namespace edgebridge {

struct ShadowConfig {
  std::string device;
  std::string remote;  // the remote whose shadow service keeps the shadow
  std::string thing;   // default <gateway.id>-<device>
  std::string name;    // named shadow; empty: the classic (unnamed) shadow
  // Reading keys reported; nullopt: every key of every reading.
  std::optional<std::vector<std::string>> reported;
  // The device's reading keys with their deadbands, as its kind knows them
  // (nullopt: known only once readings arrive). Empty: no readings at all.
  std::optional<std::vector<ShadowReadingKey>> reading_keys;
  std::vector<ShadowDesiredKey> desired;
  Duration report_interval{10'000};  // reported updates at most this often (answers to desired go at once)
  std::string readings_topic;        // the device's topic: its readings, one JSON object each
  std::string local_topic;           // default shadow/<device>: <local>/reported, /desired, /delta (retained)
  Location where;

  // $aws/things/<thing>/shadow or $aws/things/<thing>/shadow/name/<name>
  std::string topic_prefix() const {
    return "$aws/things/" + thing + "/shadow" + (name.empty() ? std::string() : "/name/" + name);
  }
  const ShadowDesiredKey* find_desired(const std::string& key) const {
    for (const auto& d : desired)
      if (d.key == key) return &d;
    return nullptr;
  }
  double deadband(const std::string& key) const {
    if (reading_keys)
      for (const auto& k : *reading_keys)
        if (k.name == key) return k.deadband;
    return 0;
  }
  bool reports(const std::string& key) const {
    if (!reported) return true;
    for (const auto& k : *reported)
      if (k == key) return true;
    return false;
  }
};

// The key under which refused desired values are explained in the reported state.
inline constexpr const char* kShadowErrorsKey = "errors";

}  // namespace edgebridge
