#pragma once
// One topic filter a connection subscribes to.

#include <string>

namespace edgebridge {

struct Subscription {
  std::string filter;
  int qos = 0;  // highest QoS of the mappings that share the filter
  friend bool operator==(const Subscription& a, const Subscription& b) {
    return a.filter == b.filter && a.qos == b.qos;
  }
};

}  // namespace edgebridge
