// `batch:` under an out-mapping or a rule's publish action to a remote, and the
// check that every batch stream of a remote is configured one way.
#include <algorithm>

#include "config/sections.hpp"
#include "rules/rule_config.hpp"

namespace edgebridge::sections {

std::string default_batch_topic(const std::string& remote_filter) {
  // The filter's levels before its first wildcard, then "batch":
  // site1/sensors/# -> site1/sensors/batch; site1/a/b -> site1/a/b/batch.
  std::string head;
  std::size_t start = 0;
  while (start <= remote_filter.size()) {
    std::size_t end = remote_filter.find('/', start);
    if (end == std::string::npos) end = remote_filter.size();
    const std::string level = remote_filter.substr(start, end - start);
    if (level == "#" || level == "+") break;
    head += level + "/";
    start = end + 1;
  }
  return head + "batch";
}

std::shared_ptr<const BatchSpec> read_batch(MapReader& owner, const std::string& default_topic,
                                            const std::string& no_default_topic) {
  if (!owner.has("batch")) {
    owner.allow("batch");
    return nullptr;
  }
  auto& ctx = owner.context();
  MapReader b = owner.child("batch");
  if (!b.present()) return nullptr;  // the MapReader reported a value that is not a mapping
  auto spec = std::make_shared<BatchSpec>();
  b.allow("max_bytes");  // read below only when present: named among the valid keys either way
  b.allow("topic");
  spec->max_messages = static_cast<std::size_t>(
      b.integer("max_messages", static_cast<std::int64_t>(spec->max_messages), 1, 100'000));
  if (b.has("max_bytes")) {
    const std::uint64_t bytes = b.size("max_bytes", 0);
    if (bytes < 64 || bytes > 256ULL * 1024 * 1024) {
      ctx.error(b.raw("max_bytes"), b.key_path("max_bytes"),
                "must be between 64B and 256MiB (leave it out for whole 5KiB billing units within the remote's "
                "max_message_size)");
    } else {
      spec->max_bytes = static_cast<std::size_t>(bytes);
    }
  }
  spec->max_delay = b.duration("max_delay", spec->max_delay);
  if (spec->max_delay < Duration(0) || spec->max_delay > Duration(3'600'000)) {
    ctx.error(b.raw("max_delay"), b.key_path("max_delay"), "must be between 0s and 1h");
    spec->max_delay = Duration(1000);
  }
  spec->format = b.choice("format", "json_array", {"json_array", "json_lines"}) == "json_lines"
                     ? BatchFormat::json_lines
                     : BatchFormat::json_array;
  if (b.has("topic")) {
    spec->topic = b.string("topic", "");
    if (auto why = topic_name_problem(spec->topic); !why.empty())
      ctx.error(b.raw("topic"), b.key_path("topic"), "\"" + spec->topic + "\": " + why);
  } else if (!no_default_topic.empty()) {
    ctx.error(b.node(), b.key_path("topic"), "is required here: " + no_default_topic);
  } else {
    spec->topic = default_topic;
  }
  b.finish();
  return spec;
}

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

}  // namespace edgebridge::sections
