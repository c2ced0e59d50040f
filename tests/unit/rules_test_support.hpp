#pragma once
// Shared by the rules tests: device kinds that say which commands they take
// (or do not), a RuleEffects that records instead of doing, and a fake clock.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/device_kind.hpp"
#include "rules/rule_effects.hpp"
#include "rules/rules_engine.hpp"

namespace edgebridge::test_support {

// A device kind for configuration tests; no endpoint is ever created.
class FakeKind final : public DeviceKind {
 public:
  FakeKind(std::string type, std::optional<std::vector<std::string>> commands)
      : type_(std::move(type)), commands_(std::move(commands)) {}
  std::string type() const override { return type_; }
  std::shared_ptr<const DeviceSettings> parse(MapReader&, DeviceConfig&) const override {
    return std::make_shared<DeviceSettings>();
  }
  std::unique_ptr<DeviceEndpoint> create(const DeviceConfig&) const override { return nullptr; }
  std::optional<std::vector<std::string>> command_names(const DeviceConfig&) const override { return commands_; }

 private:
  std::string type_;
  std::optional<std::vector<std::string>> commands_;
};

// fake_ir takes open and close; fake_opaque cannot say before it runs.
inline const DeviceCatalog& rules_catalog() {
  static const DeviceCatalog catalog = {
      std::make_shared<FakeKind>("fake_ir", std::vector<std::string>{"open", "close"}),
      std::make_shared<FakeKind>("fake_opaque", std::nullopt)};
  return catalog;
}

// Records what rule actions would do; optionally loops rule output back
// into the engine, as the gateway does.
class Recorder final : public RuleEffects {
 public:
  struct Published {
    std::string rule_or_remote;
    Message message;
  };
  struct Command {
    std::string device;
    std::string name;
    nlohmann::json args;
  };

  std::vector<Published> local;
  std::vector<Published> remote;
  std::vector<Command> commands;
  Delivery local_result = Delivery::ok;
  Delivery remote_result = Delivery::ok;
  Delivery command_result = Delivery::ok;
  RulesEngine* loop_back = nullptr;

  Delivery publish_local(const std::string& rule, const Message& message, std::string& why) override {
    local.push_back({rule, message});
    if (loop_back) loop_back->on_message(Source::rule(rule), message);
    if (local_result != Delivery::ok) why = "the local broker is gone";
    return local_result;
  }
  Delivery publish_remote(const std::string& name, const Message& message, std::string& why) override {
    remote.push_back({name, message});
    if (remote_result != Delivery::ok) why = "the outbox of remote " + name + " is full";
    return remote_result;
  }
  Delivery command(const std::string& device, const std::string& name, const nlohmann::json& args,
                   std::string& why) override {
    commands.push_back({device, name, args});
    if (command_result != Delivery::ok) why = "the shade refused: motor busy";
    return command_result;
  }

  std::vector<Message> local_on(const std::string& topic) const {
    std::vector<Message> out;
    for (const auto& p : local)
      if (p.message.topic == topic) out.push_back(p.message);
    return out;
  }
};

// A wall clock the test moves by hand; starts at 2026-06-01 12:00 UTC.
class FakeClock {
 public:
  std::chrono::system_clock::time_point now{std::chrono::seconds(1780315200)};
  void advance(std::chrono::milliseconds d) { now += d; }
  std::function<std::chrono::system_clock::time_point()> function() {
    return [this] { return now; };
  }
};

}  // namespace edgebridge::test_support
