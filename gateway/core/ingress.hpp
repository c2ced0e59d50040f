#pragma once
// What endpoints hand their messages to. The gateway implements it: it asks the
// router where each message goes and delivers it there. Thread-safe.

#include "core/message.hpp"

namespace edgebridge {

class Ingress {
 public:
  virtual ~Ingress() = default;
  virtual void ingest(const Source& source, Message message) = 0;
};

}  // namespace edgebridge
