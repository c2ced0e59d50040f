#include "rules/rules_engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/build_info.hpp"
#include "core/clocks.hpp"
#include "core/json_text.hpp"
#include "routing/topic_trie.hpp"
#include "rules/rule_actions.hpp"

namespace edgebridge {

namespace {

constexpr int kMaxChainDepth = 8;
// A continuing hold rewrites its row (the last true message) at most this often.
constexpr std::int64_t kContinueSaveIntervalMs = 1000;
// The timer thread wakes at least this often (a clock step, a new hold).
constexpr std::chrono::milliseconds kMaxTimerSleep{1000};

thread_local int chain_depth = 0;

struct ChainGuard {
  ChainGuard() { ++chain_depth; }
  ~ChainGuard() { --chain_depth; }
  ChainGuard(const ChainGuard&) = delete;
  ChainGuard& operator=(const ChainGuard&) = delete;
};

std::optional<std::string> client_id_of(const Source& source) {
  if (source.kind == SourceKind::local) return std::nullopt;  // the local broker does not tell us
  return source.name;
}

// Logs the first few of a repeated warning, then every 1000th.
bool worth_logging(std::uint64_t count) { return count <= 5 || count % 1000 == 0; }

}  // namespace

struct RulesEngine::Runtime {
  const RuleConfig* config = nullptr;
  rules::HoldSettings settings;
  std::string fingerprint;
  std::mutex mu;
  rules::HoldState hold;
  std::int64_t last_saved_ms = 0;
  std::atomic<std::uint64_t> evaluations{0}, matched{0}, undefined{0}, fired{0}, action_errors{0},
      error_action_failures{0};
  std::atomic<std::int64_t> last_fired_ms{0};  // 0: never
};

struct RulesEngine::Trie {
  TopicTrie<std::size_t> filters;
};

RulesEngine::RulesEngine(std::shared_ptr<const RulesConfig> rules, RuleEffects& effects, Options options)
    : config_(rules ? std::move(rules) : std::make_shared<const RulesConfig>()),
      effects_(effects),
      options_(std::move(options)),
      trie_(std::make_unique<Trie>()) {
  if (options_.earliest_valid_ms < 0) options_.earliest_valid_ms = build_epoch_seconds() * 1000;
  for (const auto& r : config_->rules) {
    auto rt = std::make_unique<Runtime>();
    rt->config = &r;
    if (r.hold) {
      rt->settings.hold_ms = r.hold->count();
      if (r.max_gap) rt->settings.max_gap_ms = r.max_gap->count();
      rt->settings.earliest_valid_ms = options_.earliest_valid_ms;
      rt->fingerprint = rules::hold_fingerprint(r.sql, rt->settings.hold_ms, rt->settings.max_gap_ms.value_or(-1));
    }
    if (r.enabled && r.statement) trie_->filters.insert(r.statement->from, rules_.size());
    rules_.push_back(std::move(rt));
  }
  if (!options_.state_path.empty()) {
    try {
      store_ = std::make_unique<rules::RuleStateStore>(options_.state_path);
      load_holds();
    } catch (const std::exception& e) {
      spdlog::error("Rule holds will not survive a restart: the state file cannot be used. path={} error=\"{}\"",
                    options_.state_path, e.what());
      store_.reset();
    }
  }
}

RulesEngine::~RulesEngine() { stop(); }

void RulesEngine::load_holds() {
  std::vector<std::string> kept;
  for (auto& rt : rules_)
    if (rt->config->hold) kept.push_back(rt->config->name);
  std::vector<rules::RuleStateStore::Row> rows;
  {
    std::lock_guard<std::mutex> lock(store_mu_);
    store_->keep_only(kept);
    rows = store_->load();
  }
  for (auto& row : rows) {
    for (auto& rt : rules_) {
      if (rt->config->name != row.rule || !rt->config->hold) continue;
      if (row.fingerprint != rt->fingerprint) {
        spdlog::info("Rule changed since its hold was saved; starting afresh. rule={}", row.rule);
        continue;
      }
      std::lock_guard<std::mutex> rule_lock(rt->mu);
      rt->hold = row.state;
      spdlog::info("Rule hold restored. rule={} since_ms={} fired={}", row.rule, row.state.since_ms, row.state.fired);
    }
  }
}

void RulesEngine::start() {
  std::lock_guard<std::mutex> lock(timer_mu_);
  if (timer_.joinable()) return;
  stopping_ = false;
  bool any_hold = std::any_of(rules_.begin(), rules_.end(), [](const auto& rt) { return rt->config->hold.has_value(); });
  if (!any_hold) return;
  timer_ = std::thread([this] { run_timer(); });
}

void RulesEngine::stop() {
  {
    std::lock_guard<std::mutex> lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

std::int64_t RulesEngine::now_ms() const { return to_epoch_ms(options_.clock()); }

void RulesEngine::run_timer() {
  std::unique_lock<std::mutex> lock(timer_mu_);
  while (!stopping_) {
    lock.unlock();
    tick();
    std::int64_t wait_ms = kMaxTimerSleep.count();
    const std::int64_t now = now_ms();
    for (auto& rt : rules_) {
      if (!rt->config->hold) continue;
      std::lock_guard<std::mutex> rule_lock(rt->mu);
      if (auto deadline = rules::hold_next_deadline(rt->hold, rt->settings))
        wait_ms = std::min(wait_ms, std::max<std::int64_t>(*deadline - now, 1));
    }
    lock.lock();
    if (!holds_changed_)
      timer_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_ || holds_changed_; });
    holds_changed_ = false;
  }
}

void RulesEngine::on_message(const Source& source, const Message& message) {
  if (chain_depth >= kMaxChainDepth) {
    const auto n = ++chain_too_deep_;
    if (worth_logging(n))
      spdlog::warn("Rules triggered rules 8 levels deep; dropped the message for rules. topic={} source={} count={}",
                   message.topic, source.name, n);
    return;
  }
  std::vector<std::size_t> matching;
  trie_->filters.match(message.topic, [&](std::size_t i) { matching.push_back(i); });
  if (matching.empty()) return;
  std::sort(matching.begin(), matching.end());  // `rules:` order

  ChainGuard guard;
  const std::int64_t now = now_ms();
  rules::EvalInput input(message.topic, message.payload);
  input.client_id = client_id_of(source);
  input.timestamp_ms = now;
  input.new_uuid = options_.new_uuid;
  if (!input.payload_refused().empty()) {
    const auto n = ++payloads_refused_;
    if (worth_logging(n))
      spdlog::warn("Rules see a payload's keys as undefined: it was not parsed. topic={} source={} error=\"{}\" "
                   "count={}",
                   message.topic, source.name, input.payload_refused(), n);
  }
  for (std::size_t i : matching) {
    Runtime& rt = *rules_[i];
    if (source.kind == SourceKind::rule && source.name == rt.config->name) continue;  // never on its own output
    evaluate(rt, source, message, input, now);
  }
}

void RulesEngine::evaluate(Runtime& rt, const Source& source, const Message& message, const rules::EvalInput& input,
                           std::int64_t now) {
  ++rt.evaluations;
  const rules::Condition c = rules::evaluate_where(*rt.config->statement, input);
  if (c == rules::Condition::undefined) ++rt.undefined;
  const bool held = c == rules::Condition::is_true;
  if (held) ++rt.matched;
  if (!rt.config->hold) {
    if (held) fire(rt, source, message, input);
    return;
  }
  rules::HoldEvent event;
  {
    std::lock_guard<std::mutex> lock(rt.mu);
    rules::HeldMessage held_message;
    if (held) held_message = {message.topic, message.payload, message.qos, message.retain, source.kind, source.name};
    event = rules::hold_on_evaluation(rt.hold, rt.settings, held, now, held_message);
    save(rt, event, now);
  }
  if (event == rules::HoldEvent::started || event == rules::HoldEvent::ended)
    spdlog::debug("Rule hold {}. rule={} topic={}", event == rules::HoldEvent::started ? "started" : "ended",
                  rt.config->name, message.topic);
  if (event == rules::HoldEvent::started) {
    {
      std::lock_guard<std::mutex> lock(timer_mu_);
      holds_changed_ = true;
    }
    timer_cv_.notify_all();
  }
  if (event == rules::HoldEvent::fire) fire(rt, source, message, input);
}

void RulesEngine::save(Runtime& rt, rules::HoldEvent event, std::int64_t now) {
  if (!store_ || event == rules::HoldEvent::none) return;
  if (event == rules::HoldEvent::continued && now - rt.last_saved_ms < kContinueSaveIntervalMs) return;
  std::string why;
  bool ok = false;
  {
    std::lock_guard<std::mutex> lock(store_mu_);
    ok = store_->save(rt.config->name, rt.fingerprint, rt.hold, now, why);
  }
  if (ok) {
    rt.last_saved_ms = now;
    return;
  }
  const auto n = ++state_write_errors_;
  if (worth_logging(n))
    spdlog::warn("Rule hold not saved; it will not survive a restart. rule={} error=\"{}\" count={}",
                 rt.config->name, why, n);
}

void RulesEngine::tick() {
  const std::int64_t now = now_ms();
  for (auto& holder : rules_) {
    Runtime& rt = *holder;
    if (!rt.config->hold || !rt.config->enabled) continue;
    rules::HoldEvent event;
    rules::HeldMessage last;
    {
      std::lock_guard<std::mutex> lock(rt.mu);
      event = rules::hold_on_tick(rt.hold, rt.settings, now);
      save(rt, event, now);
      if (event == rules::HoldEvent::fire) last = rt.hold.last;
    }
    if (event == rules::HoldEvent::dropped)
      spdlog::info("Rule hold dropped: no satisfying message within max_gap. rule={}", rt.config->name);
    if (event != rules::HoldEvent::fire) continue;
    ChainGuard guard;
    const Source source{last.source_kind, last.source_name};
    Message message;
    message.topic = last.topic;
    message.payload = last.payload;
    message.qos = last.qos;
    message.retain = last.retain;
    message.received_at = options_.clock();
    rules::EvalInput input(message.topic, message.payload);
    input.client_id = client_id_of(source);
    input.timestamp_ms = now;
    input.new_uuid = options_.new_uuid;
    fire(rt, source, message, input);
  }
}

void RulesEngine::fire(Runtime& rt, const Source& source, const Message& message, const rules::EvalInput& input) {
  const auto n = ++rt.fired;
  const RuleConfig& rule = *rt.config;
  const rules::Selected selected = rules::evaluate_select(*rule.statement, input);
  spdlog::info("Rule fired. rule={} topic={} actions={} count={}", rule.name, message.topic, rule.actions.size(), n);
  const auto now = options_.clock();
  rt.last_fired_ms = to_epoch_ms(now);
  for (const auto& action : rule.actions) {
    const rules::PlannedAction planned = rules::plan_action(action, input, selected, message, now);
    std::string why;
    const Delivery d = rules::run_action(planned, rule.name, effects_, why);
    if (d == Delivery::ok) continue;
    ++rt.action_errors;
    spdlog::warn("Rule action failed. rule={} action={} error=\"{}\"", rule.name, action.path, why);
    run_error_action(rt, action.path, why, source, message, input);
  }
}

void RulesEngine::run_error_action(Runtime& rt, const std::string& action, const std::string& error,
                                   const Source& source, const Message& message, const rules::EvalInput& input) {
  const RuleConfig& rule = *rt.config;
  const RuleAction& handler = rule.error_action ? *rule.error_action : rules::default_error_action();
  rules::Selected report;
  report.json = rules::error_document(rule.name, action, error, input, source, input.timestamp_ms);
  report.payload = dump_json(report.json);
  const rules::PlannedAction planned = rules::plan_action(handler, input, report, message, options_.clock());
  std::string why;
  if (rules::run_action(planned, rule.name, effects_, why) == Delivery::ok) return;
  ++rt.error_action_failures;
  spdlog::warn("Rule error action failed too. rule={} action={} error=\"{}\"", rule.name, handler.path, why);
}

std::vector<std::string> RulesEngine::filters() const {
  std::vector<std::string> out;
  for (const auto& rt : rules_) {
    const RuleConfig& r = *rt->config;
    if (!r.enabled || !r.statement) continue;
    if (std::find(out.begin(), out.end(), r.statement->from) == out.end()) out.push_back(r.statement->from);
  }
  return out;
}

std::vector<RuleMetrics> RulesEngine::metrics() const {
  std::vector<RuleMetrics> out;
  for (const auto& rt : rules_) {
    RuleMetrics m;
    m.rule = rt->config->name;
    m.evaluations = rt->evaluations.load();
    m.matched = rt->matched.load();
    m.undefined = rt->undefined.load();
    m.fired = rt->fired.load();
    m.action_errors = rt->action_errors.load();
    m.error_action_failures = rt->error_action_failures.load();
    if (const std::int64_t fired_ms = rt->last_fired_ms.load(); fired_ms != 0)
      m.last_fired = std::chrono::system_clock::time_point(std::chrono::milliseconds(fired_ms));
    m.hold_for = std::chrono::milliseconds(rt->settings.hold_ms);
    {
      std::lock_guard<std::mutex> lock(rt->mu);
      m.holding = rt->hold.holding && !rt->hold.fired;
      if (m.holding)
        m.holding_since = std::chrono::system_clock::time_point(std::chrono::milliseconds(rt->hold.since_ms));
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace edgebridge
