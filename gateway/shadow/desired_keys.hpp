#pragma once
// For device kinds reading `shadow.desired` (DeviceKind::shadow_desired): its
// two shapes, checked for shape and key names here; what the names mean (a
// writable register, a code, a line the device may be sent) the kind checks.
//
//   desired: [setpoint, fan]                      names: the desired value is the command's value
//   desired: { shade: { open: open, closed: close } }   per key, each desired value and what it names

#include <string>
#include <vector>

#include "config/yaml_reader.hpp"

namespace edgebridge {

struct DesiredName {
  std::string key;
  YAML::Node node;   // for errors
  std::string path;  // shadow.desired[1]
};

struct DesiredChoiceEntry {
  std::string key;
  YAML::Node key_node;
  std::string path;  // shadow.desired.shade
  struct Item {
    std::string value;   // the desired value, as text
    std::string target;  // what it names (a code, a line)
    YAML::Node node;     // the target's node, for errors
    std::string path;    // shadow.desired.shade.closed
  };
  std::vector<Item> items;
};

// A list of key names (a single name is a list of one).
std::vector<DesiredName> read_desired_names(MapReader& shadow);
// A mapping of key -> mapping of value -> target.
std::vector<DesiredChoiceEntry> read_desired_choices(MapReader& shadow);

// A key a shadow may hold: letters, digits, '-' and '_', not "errors". Empty: valid.
std::string shadow_key_problem(const std::string& key);

}  // namespace edgebridge
