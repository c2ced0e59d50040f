#pragma once
// The result of handing a message to an endpoint. Three values keep retry
// logic in one place (the caller decides what a retry means).

namespace edgebridge {

enum class Delivery {
  ok,     // accepted (stored, queued to the device, published)
  retry,  // not now: the endpoint is busy or down; the message may be offered again
  error,  // never: the message is invalid for this endpoint; it was reported and dropped
};

inline const char* to_string(Delivery d) {
  switch (d) {
    case Delivery::ok: return "ok";
    case Delivery::retry: return "retry";
    case Delivery::error: return "error";
  }
  return "?";
}

}  // namespace edgebridge
