#pragma once
// `batch:` under a topic mapping or a rule's publish action (docs/batching.md),
// read by config's topics section and by rules/ (load_batch.cpp).

#include <memory>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace edgebridge::sections {

// `batch:` under `owner` (load_batch.cpp): null when absent. Without batch.topic
// the batch goes to `default_topic`, unless `no_default_topic` says why there
// is none (then batch.topic is required).
std::shared_ptr<const BatchSpec> read_batch(MapReader& owner, const std::string& default_topic,
                                            const std::string& no_default_topic = {});
// A mapping's default batch topic: its remote filter up to the first wildcard, then "batch".
std::string default_batch_topic(const std::string& remote_filter);

}  // namespace edgebridge::sections
