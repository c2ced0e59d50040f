#pragma once
// What a rule's actions do to the world, as an interface: the gateway
// implements it with its router, outbox queues and device adapters; tests and
// `edgebridge rules test` implement it with recorders. The rules engine
// depends on nothing else of the gateway.

#include <string>

#include <nlohmann/json.hpp>

#include "core/delivery.hpp"
#include "core/message.hpp"

namespace edgebridge {

class RuleEffects {
 public:
  virtual ~RuleEffects() = default;
  // A message from rule `rule` into the local namespace. The gateway routes it
  // as Source::rule(rule): to the local broker, to devices whose command
  // filters match, to remotes whose out-mappings match, and to the rules
  // (except `rule` itself).
  virtual Delivery publish_local(const std::string& rule, const Message& message, std::string& why) = 0;
  // A message straight into `remote`'s outbox, under the topic as given.
  virtual Delivery publish_remote(const std::string& remote, const Message& message, std::string& why) = 0;
  // A named command to a device adapter, checked by it as any command is.
  virtual Delivery command(const std::string& device, const std::string& name, const nlohmann::json& args,
                           std::string& why) = 0;
};

}  // namespace edgebridge
