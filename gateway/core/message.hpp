#pragma once
// A message as it moves through the gateway: one MQTT publish, whatever its
// source (local broker, a remote, a device adapter, a rule).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/batch_spec.hpp"

namespace edgebridge {

struct Message {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  // Wall-clock time the message entered the gateway; the outbox ttl counts from here.
  std::chrono::system_clock::time_point received_at{};
  // Set on the way to a remote whose mapping (or rule action) batches: the
  // stream the outbox packs it into. Null: it is published alone.
  std::shared_ptr<const BatchSpec> batch;
};

// Where a message came from. The router uses it to avoid sending a message
// back where it came from (no loops across `both` mappings).
enum class SourceKind { local, remote, device, rule };

struct Source {
  SourceKind kind = SourceKind::local;
  std::string name;  // remote or device or rule name; empty for the local broker

  static Source local() { return {SourceKind::local, {}}; }
  static Source remote(std::string n) { return {SourceKind::remote, std::move(n)}; }
  static Source device(std::string n) { return {SourceKind::device, std::move(n)}; }
  static Source rule(std::string n) { return {SourceKind::rule, std::move(n)}; }
};

const char* to_string(SourceKind kind);

}  // namespace edgebridge
