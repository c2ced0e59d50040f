#pragma once
// GET /metrics: a GatewaySnapshot in the Prometheus text exposition format
// (version 0.0.4): one HELP and TYPE line per family, label values escaped.
// The metric names are listed in docs/operations.md ("Metrics").

#include <string>

#include "observe/snapshot.hpp"

namespace edgebridge {

std::string render_metrics(const GatewaySnapshot& snapshot);

// Label value escaping: backslash, double quote and line feed.
std::string escape_label_value(const std::string& value);
// A device metric's name under edgebridge_device_: snake_case, [a-z0-9_] only;
// "_ms" becomes "_seconds" (the value is divided by 1000); counters get "_total".
struct DeviceMetricName {
  std::string name;  // e.g. edgebridge_device_polls_ok_total
  bool gauge = false;
  double scale = 1.0;
};
DeviceMetricName device_metric_name(const std::string& adapter_name);

}  // namespace edgebridge
