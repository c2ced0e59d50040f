#pragma once
// The router only maps topics. For each message and its source it decides which
// endpoints get it and under which topic and QoS. It owns no sockets and no
// files, and it is immutable after construction (safe to share between threads;
// a reload builds a new one).
//
// Semantics are Mosquitto's bridge `topic` lines:
//  - out/both: a local topic matching local_prefix+pattern goes to each of the
//    mapping's remotes as remote_prefix + (topic without local_prefix);
//  - in/both: a topic from remote R matching remote_prefix+pattern comes into the
//    local namespace as local_prefix + (topic without remote_prefix);
//  - per remote the first matching mapping (in `topics:` order) wins, so a message
//    goes to a remote at most once;
//  - delivered QoS = min(mapping qos, message qos); retain is kept;
//  - an out-route carries its mapping's `batch:` in Message::batch;
//  - a filter starting with a wildcard never matches a topic starting with '$'.
// A message in the local namespace (from the local broker, a device, a rule, or a
// remote after in-mapping) goes to: the local broker (unless it came from there),
// the device adapters whose command filters match (never back to its own
// device), and the out-routes of every remote except the one it came from.

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/message.hpp"
#include "core/subscription.hpp"

namespace edgebridge {

enum class TargetKind { local, remote, device };
const char* to_string(TargetKind kind);

struct Route {
  TargetKind target = TargetKind::local;
  std::string name;  // remote or device name; empty for the local broker
  Message message;   // topic and QoS as delivered there
};


// One effective route for `edgebridge check`.
struct RouteLine {
  std::string local_filter;
  std::string remote_filter;
  Direction direction = Direction::out;
  int qos = 0;
  std::string remote;
  Location where;
};

class Router {
 public:
  // Throws std::invalid_argument for a filter or prefix the loader would have
  // refused (the loader's checks are the user-facing ones).
  Router(const std::vector<TopicMapping>& topics, const std::vector<DeviceConfig>& devices);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Routes in a fixed order: the local broker, then devices in `devices:` order,
  // then remotes in order of first mention in `topics:`. A message from a remote
  // that no in-mapping of that remote matches has no routes. Throws nothing.
  std::vector<Route> route(const Source& source, const Message& message) const;

  // What to subscribe to: on the local broker (out/both local filters, and the
  // devices' command filters at QoS 1 so local publishers reach devices) and on
  // each remote (in/both remote filters for that remote). Deduplicated by
  // filter with the highest QoS, in first-seen order.
  std::vector<Subscription> local_subscriptions() const;
  std::vector<Subscription> remote_subscriptions(const std::string& remote) const;

  std::vector<RouteLine> describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgebridge
