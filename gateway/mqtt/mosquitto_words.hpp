#pragma once
// libmosquitto's result codes and MQTT reason codes in words a user can act on.

#include <string>

namespace edgebridge {

// A MOSQ_ERR_* code; `errno_value` for MOSQ_ERR_ERRNO; `logged` is the last
// error line the library logged (OpenSSL's reason, when there was one).
std::string describe_mosquitto_error(int rc, int errno_value, const std::string& logged);
// An MQTT 5 reason code, e.g. 0x87 "Not authorized"; an MQTT 3.1.1 CONNACK
// return code (1-5) when `v311` is true.
std::string describe_reason_code(int code, bool v311 = false);

}  // namespace edgebridge
