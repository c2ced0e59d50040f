#pragma once
// How the outbox sends a message: alone, or packed with the messages of the
// same batch stream into one cloud publish (outbox/forwarder.hpp). A stream is
// identified by its remote, its batch topic and its format; the limits say
// when a batch is full or due. docs/batching.md is the user's manual.

#include <chrono>
#include <cstddef>
#include <string>

namespace edgebridge {

enum class BatchFormat {
  json_array,  // [{"topic":..,"ts":..,"id":..,"payload":..}, ...]
  json_lines,  // one such object per line, each line ended by \n
};
const char* to_string(BatchFormat f);
// The format named `name` (as to_string writes it); json_array for any other.
BatchFormat batch_format_named(const std::string& name);

struct BatchSpec {
  std::string topic;  // the remote topic the batch is published on
  BatchFormat format = BatchFormat::json_array;
  std::size_t max_messages = 500;  // entries per batch (Firehose batchMode takes 500 records)
  // Payload bytes per batch; 0: the default, whole 5 KiB billing units within
  // the remote's max_message_size and Maximum Packet Size.
  std::size_t max_bytes = 0;
  // A batch goes when the oldest entry in it has waited this long.
  std::chrono::milliseconds max_delay{1000};

  bool same_stream(const BatchSpec& o) const { return topic == o.topic && format == o.format; }
  bool operator==(const BatchSpec& o) const {
    return same_stream(o) && max_messages == o.max_messages && max_bytes == o.max_bytes && max_delay == o.max_delay;
  }
  bool operator!=(const BatchSpec& o) const { return !(*this == o); }
};

}  // namespace edgebridge
