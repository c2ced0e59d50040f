#pragma once
// How a device appears in its cloud shadow (gateway/shadow/, docs/shadows.md),
// as its device kind describes it: which keys its readings have (and how much a
// value must move to count as a change), and which desired keys it carries out
// and through which of its commands. Plain data, made when bridge.yaml loads.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgebridge {

// One key of the device's readings (a JSON object per message on its topic).
struct ShadowReadingKey {
  std::string name;
  double deadband = 0;  // a numeric change this small or smaller is not a change
};

// A desired value that picks a command (an IR code, a line to write).
struct ShadowChoice {
  std::string value;    // the desired value, as text: "closed" (also matches true/1 written as text)
  std::string command;  // DeviceEndpoint::invoke name, e.g. the code "close"
  nlohmann::json args;  // its arguments (null or an object)
};

// One key of the shadow's desired state the device accepts.
struct ShadowDesiredKey {
  std::string key;
  // Without choices the desired value itself is the command's value:
  // invoke(command, {"value": <desired>, "id": ...}) (a Modbus register write).
  std::string command;
  // With choices the desired value selects one (invoke(choice.command, choice.args + id)),
  // and once it was carried out the key is reported with that value.
  std::vector<ShadowChoice> choices;
};

}  // namespace edgebridge
