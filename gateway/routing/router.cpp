#include "routing/router.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "config/sections.hpp"
#include "routing/topic_remap.hpp"
#include "routing/topic_trie.hpp"

namespace edgebridge {

const char* to_string(TargetKind kind) {
  switch (kind) {
    case TargetKind::local: return "local";
    case TargetKind::remote: return "remote";
    case TargetKind::device: return "device";
  }
  return "?";
}

namespace {

// Commands are worth a retry: the local broker hands them to us at up to QoS 1.
constexpr int kCommandSubscriptionQos = 1;

// An out-route candidate: mapping `mapping` (position in `topics:`) to remote `remote`.
struct OutCandidate {
  std::size_t remote;
  std::size_t mapping;
  bool operator<(const OutCandidate& o) const {
    return remote != o.remote ? remote < o.remote : mapping < o.mapping;
  }
};

bool sends_out(Direction d) { return d == Direction::out || d == Direction::both; }
bool takes_in(Direction d) { return d == Direction::in || d == Direction::both; }

void require_valid_filter(const std::string& filter, const std::string& what) {
  if (auto why = sections::topic_filter_problem(filter); !why.empty())
    throw std::invalid_argument(what + " \"" + filter + "\": " + why);
}

void require_valid_mapping(const TopicMapping& m) {
  const std::string what = "topics[" + std::to_string(m.index) + "]";
  for (const std::string* prefix : {&m.local_prefix, &m.remote_prefix})
    if (prefix->find_first_of("+#") != std::string::npos)
      throw std::invalid_argument(what + ": a prefix cannot contain + or # (\"" + *prefix + "\")");
  if (sends_out(m.direction)) require_valid_filter(m.local_filter(), what + " local filter");
  if (takes_in(m.direction)) require_valid_filter(m.remote_filter(), what + " remote filter");
}

// Subscriptions in first-seen order, one per filter, with the highest QoS asked for it.
class SubscriptionSet {
 public:
  void add(const std::string& filter, int qos) {
    auto [it, inserted] = positions_.emplace(filter, list_.size());
    if (inserted)
      list_.push_back({filter, qos});
    else
      list_[it->second].qos = std::max(list_[it->second].qos, qos);
  }
  const std::vector<Subscription>& list() const { return list_; }

 private:
  std::unordered_map<std::string, std::size_t> positions_;
  std::vector<Subscription> list_;
};

Message with_topic_and_qos(const Message& message, std::string topic, int mapping_qos) {
  Message out = message;
  out.topic = std::move(topic);
  out.qos = std::min(mapping_qos, message.qos);
  out.batch = nullptr;  // only an out-route says how it is sent
  return out;
}

}  // namespace

struct Router::Impl {
  std::vector<TopicMapping> mappings;  // in `topics:` order; positions are priorities
  std::vector<std::string> remotes;    // in order of first mention in `topics:`
  std::vector<std::string> devices;    // in `devices:` order

  TopicTrie<OutCandidate> out_routes;              // local filters of out/both mappings
  std::vector<TopicTrie<std::size_t>> in_routes;   // per remote: its remote filters → mapping
  TopicTrie<std::size_t> command_routes;           // device command filters → device

  SubscriptionSet local_subscriptions;
  std::vector<SubscriptionSet> remote_subscriptions;  // per remote

  std::size_t add_remote(const std::string& name) {
    auto found = std::find(remotes.begin(), remotes.end(), name);
    if (found != remotes.end()) return static_cast<std::size_t>(found - remotes.begin());
    remotes.push_back(name);
    in_routes.emplace_back();
    remote_subscriptions.emplace_back();
    return remotes.size() - 1;
  }

  std::optional<std::size_t> remote_index(const std::string& name) const {
    auto found = std::find(remotes.begin(), remotes.end(), name);
    if (found == remotes.end()) return std::nullopt;
    return static_cast<std::size_t>(found - remotes.begin());
  }

  // The message from remote `remote` renamed into the local namespace by the
  // first in-mapping that matches it, or nullopt when none does.
  std::optional<Message> map_in(std::size_t remote, const Message& message) const {
    std::vector<std::size_t> candidates;
    in_routes[remote].match(message.topic, [&](std::size_t m) { candidates.push_back(m); });
    std::sort(candidates.begin(), candidates.end());
    for (std::size_t m : candidates) {
      const TopicMapping& mapping = mappings[m];
      if (auto topic = remap_topic(message.topic, mapping.remote_prefix, mapping.local_prefix))
        return with_topic_and_qos(message, std::move(*topic), mapping.qos);
    }
    return std::nullopt;
  }

  void add_device_routes(const Source& source, const Message& message, std::vector<Route>& routes) const {
    std::vector<std::size_t> matched;
    command_routes.match(message.topic, [&](std::size_t d) { matched.push_back(d); });
    std::sort(matched.begin(), matched.end());
    matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
    for (std::size_t d : matched) {
      if (source.kind == SourceKind::device && source.name == devices[d]) continue;
      routes.push_back({TargetKind::device, devices[d], message});
    }
  }

  // Per remote, the first out-mapping (in `topics:` order) that matches and
  // names a topic there; never to `from_remote`.
  void add_remote_routes(std::optional<std::size_t> from_remote, const Message& message,
                         std::vector<Route>& routes) const {
    std::vector<OutCandidate> candidates;
    out_routes.match(message.topic, [&](const OutCandidate& c) { candidates.push_back(c); });
    std::sort(candidates.begin(), candidates.end());
    std::optional<std::size_t> done;  // the remote already routed to
    for (const OutCandidate& c : candidates) {
      if (c.remote == from_remote || c.remote == done) continue;
      const TopicMapping& mapping = mappings[c.mapping];
      if (auto topic = remap_topic(message.topic, mapping.local_prefix, mapping.remote_prefix)) {
        Route route{TargetKind::remote, remotes[c.remote], with_topic_and_qos(message, std::move(*topic), mapping.qos)};
        route.message.batch = mapping.batch;  // the outbox packs it into the mapping's batch stream
        routes.push_back(std::move(route));
        done = c.remote;
      }
    }
  }
};

Router::Router(const std::vector<TopicMapping>& topics, const std::vector<DeviceConfig>& devices)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.mappings = topics;
  for (std::size_t m = 0; m < topics.size(); ++m) {
    const TopicMapping& mapping = topics[m];
    require_valid_mapping(mapping);
    for (const std::string& name : mapping.remotes) {
      const std::size_t r = s.add_remote(name);
      if (sends_out(mapping.direction)) {
        s.out_routes.insert(mapping.local_filter(), OutCandidate{r, m});
        s.local_subscriptions.add(mapping.local_filter(), mapping.qos);
      }
      if (takes_in(mapping.direction)) {
        s.in_routes[r].insert(mapping.remote_filter(), m);
        s.remote_subscriptions[r].add(mapping.remote_filter(), mapping.qos);
      }
    }
  }
  for (std::size_t d = 0; d < devices.size(); ++d) {
    s.devices.push_back(devices[d].name);
    for (const std::string& filter : devices[d].command_filters) {
      require_valid_filter(filter, "devices." + devices[d].name + " command filter");
      s.command_routes.insert(filter, d);
      s.local_subscriptions.add(filter, kCommandSubscriptionQos);
    }
  }
}

Router::~Router() = default;

std::vector<Route> Router::route(const Source& source, const Message& message) const {
  std::vector<Route> routes;
  std::optional<std::size_t> from_remote;
  std::optional<Message> mapped_in;
  if (source.kind == SourceKind::remote) {
    from_remote = impl_->remote_index(source.name);
    if (!from_remote) return routes;
    mapped_in = impl_->map_in(*from_remote, message);
    if (!mapped_in) return routes;
  }
  const Message& local = mapped_in ? *mapped_in : message;
  if (source.kind != SourceKind::local) routes.push_back({TargetKind::local, {}, local});
  impl_->add_device_routes(source, local, routes);
  impl_->add_remote_routes(from_remote, local, routes);
  return routes;
}

std::vector<Subscription> Router::local_subscriptions() const { return impl_->local_subscriptions.list(); }

std::vector<Subscription> Router::remote_subscriptions(const std::string& remote) const {
  auto r = impl_->remote_index(remote);
  if (!r) return {};
  return impl_->remote_subscriptions[*r].list();
}

std::vector<RouteLine> Router::describe() const {
  std::vector<RouteLine> lines;
  for (const TopicMapping& m : impl_->mappings)
    for (const std::string& remote : m.remotes)
      lines.push_back({m.local_filter(), m.remote_filter(), m.direction, m.qos, remote, m.where});
  return lines;
}

}  // namespace edgebridge
