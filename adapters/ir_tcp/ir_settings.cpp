#include "ir_tcp/ir_settings.hpp"

namespace edgebridge::ir_tcp {

const IrCode* IrTcpSettings::find(const std::string& name) const {
  auto it = codes.find(name);
  return it == codes.end() ? nullptr : &it->second;
}

bool IrTcpSettings::opposite(const std::string& a, const std::string& b) const {
  for (const auto& [x, y] : opposites)
    if ((x == a && y == b) || (x == b && y == a)) return true;
  return false;
}

std::string IrTcpSettings::code_names() const {
  std::string out;
  for (const auto& [name, code] : codes) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace edgebridge::ir_tcp
