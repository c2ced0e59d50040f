#pragma once
// What the gateway keeps of one device's shadow between restarts (the
// shadow_state table, shadow_store.hpp) and what `edgebridge shadow show`
// prints: the reported state it stands for, the keys of it the cloud has not
// accepted yet (coalesced: only the latest value of each key), the desired
// state and version it last heard from the cloud.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace edgebridge {

struct ShadowRecord {
  std::string device;
  std::string remote;
  std::string thing;
  std::string name;                                         // empty: classic shadow
  nlohmann::json reported = nlohmann::json::object();       // key -> value, as reported (or to be)
  nlohmann::json pending = nlohmann::json::array();         // keys of `reported` the cloud has not accepted yet
  nlohmann::json errors = nlohmann::json::object();         // desired key -> why its value was not carried out
  nlohmann::json pending_errors = nlohmann::json::array();  // keys of `errors` (set or cleared) not sent yet
  nlohmann::json desired = nlohmann::json::object();        // the desired state last heard from the cloud
  std::int64_t version = 0;                                 // the shadow's version last heard from the cloud (0: none)
  std::int64_t delta_version = 0;                           // the version of the last delta applied
  std::int64_t accepted_ms = 0;  // wall time of the last update the cloud accepted (0: never)
  std::int64_t updated_ms = 0;   // wall time this record changed

  // Same shadow (a row of a device whose thing, name or remote changed is dropped).
  bool same_shadow(const ShadowRecord& other) const {
    return remote == other.remote && thing == other.thing && name == other.name;
  }
};

// The desired keys whose desired value differs from the reported one.
nlohmann::json shadow_delta(const nlohmann::json& desired, const nlohmann::json& reported);

}  // namespace edgebridge
