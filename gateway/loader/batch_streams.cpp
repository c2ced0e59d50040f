// Each remote's batch streams, from the topic mappings and the rules' publish
// actions: here, because it needs both config's and rules' sections.
#include "loader/batch_streams.hpp"

#include <algorithm>

#include "rules/rule_config.hpp"

namespace edgebridge {
namespace {

struct StreamUse {
  std::shared_ptr<const BatchSpec> spec;
  Location where;
  std::string path;
};

std::string describe(const BatchSpec& s) {
  return std::string("format ") + to_string(s.format) + ", max_messages " + std::to_string(s.max_messages) +
         ", max_bytes " + (s.max_bytes == 0 ? std::string("default") : format_size(s.max_bytes)) + ", max_delay " +
         format_duration(s.max_delay);
}

}  // namespace

void collect_batch_streams(Config& config, Diagnostics& diag) {
  for (RemoteConfig& remote : config.remotes) {
    std::vector<StreamUse> uses;
    for (const TopicMapping& m : config.topics) {
      if (!m.batch || m.direction == Direction::in) continue;
      if (std::find(m.remotes.begin(), m.remotes.end(), remote.name) == m.remotes.end()) continue;
      uses.push_back({m.batch, m.where, "topics[" + std::to_string(m.index) + "].batch"});
    }
    if (config.rules) {
      for (const RuleConfig& rule : config.rules->rules) {
        std::vector<const RuleAction*> actions;
        for (const RuleAction& a : rule.actions) actions.push_back(&a);
        if (rule.error_action) actions.push_back(&*rule.error_action);
        for (const RuleAction* a : actions)
          if (a->batch && a->remote == remote.name) uses.push_back({a->batch, rule.where, a->path + ".batch"});
      }
    }
    remote.batches.clear();
    std::vector<const StreamUse*> firsts;
    for (const StreamUse& use : uses) {
      const StreamUse* first = nullptr;
      for (const StreamUse* f : firsts)
        if (f->spec->topic == use.spec->topic) first = f;
      if (first == nullptr) {
        firsts.push_back(&use);
        remote.batches.push_back(use.spec);
        if (use.spec->max_bytes > 0 && remote.max_message_size > 0 && use.spec->max_bytes > remote.max_message_size)
          diag.warning(use.where, use.path + ".max_bytes",
                       format_size(use.spec->max_bytes) + " is more than remotes." + remote.name +
                           ".max_message_size (" + format_size(remote.max_message_size) +
                           "); its batches are cut at that size");
        continue;
      }
      if (*first->spec != *use.spec)
        diag.error(use.where, use.path,
                   "remote " + remote.name + " already gets batches on \"" + use.spec->topic + "\" from " +
                       first->path + " (" + describe(*first->spec) + "); this one says " + describe(*use.spec) +
                       ". Batches on one topic share one stream: give both the same settings, or this one "
                       "its own batch.topic");
    }
  }
}

}  // namespace edgebridge
