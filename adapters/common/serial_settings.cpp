#include "common/serial_settings.hpp"

#include <algorithm>

namespace edgebridge {

const std::vector<int>& standard_baud_rates() {
  static const std::vector<int> rates = {300,   600,   1200,   2400,   4800,   9600,   19200,
                                         38400, 57600, 115200, 230400, 460800, 921600};
  return rates;
}

std::string SerialSettings::text() const {
  return std::to_string(baud) + " " + std::to_string(data_bits) + parity + std::to_string(stop_bits);
}

SerialSettings read_serial_settings(MapReader& device) {
  SerialSettings s;
  MapReader r = device.child("serial");
  const auto& rates = standard_baud_rates();
  if (auto baud = r.optional_integer("baud", 1, 4'000'000)) {
    if (std::find(rates.begin(), rates.end(), *baud) == rates.end()) {
      std::string valid;
      for (int b : rates) valid += (valid.empty() ? "" : ", ") + std::to_string(b);
      r.context().error(r.raw("baud"), r.key_path("baud"),
                        std::to_string(*baud) + " is not a standard baud rate; use one of: " + valid);
    } else {
      s.baud = static_cast<int>(*baud);
    }
  }
  s.parity = r.choice("parity", "N", {"N", "E", "O"})[0];
  s.data_bits = static_cast<int>(r.integer("data_bits", 8, 5, 8));
  s.stop_bits = static_cast<int>(r.integer("stop_bits", 1, 1, 2));
  r.finish();
  return s;
}

}  // namespace edgebridge
