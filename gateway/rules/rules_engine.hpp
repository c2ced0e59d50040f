#pragma once
// Runs the rules of bridge.yaml on every message in the local namespace
// (from the local broker, the devices, the remotes after in-mapping, and
// other rules). It depends on the gateway only through RuleEffects.
//
//  - Each message's payload is parsed once; the rules whose FROM filter
//    matches its topic (a topic trie) evaluate their WHERE on it.
//  - A rule without `for:` runs its actions for every message whose WHERE is
//    true. A rule with `for:` runs them once per hold (rules/hold.hpp); a
//    timer thread fires holds that come due while no message arrives.
//  - A failed action (Delivery not ok, or an invalid substituted topic) runs
//    the rule's error_action: by default the error and the input, as JSON, to
//    error/rules in the local namespace.
//  - A rule never evaluates its own output (Source::rule(name) messages are
//    skipped for that rule), and a chain of rules triggering rules stops at
//    8 levels (counted as chain_too_deep), so rules cannot loop.
//  - Holds survive a restart: RuleStateStore in <state_dir>/outbox.db.
//
// Thread-safe: on_message() may be called from any thread, concurrently.
// Actions run on the calling thread with no engine lock held.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/message.hpp"
#include "rules/rule_config.hpp"
#include "rules/rule_effects.hpp"
#include "rules/rule_state_store.hpp"
#include "rules/sql_eval.hpp"

namespace edgebridge {

struct RuleMetrics {
  std::string rule;
  std::uint64_t evaluations = 0;     // messages whose topic matched FROM
  std::uint64_t matched = 0;         // ... whose WHERE was true
  std::uint64_t undefined = 0;       // ... whose WHERE was Undefined (e.g. a missing key)
  std::uint64_t fired = 0;           // times the actions ran
  std::uint64_t action_errors = 0;   // actions that failed (each ran the error action)
  std::uint64_t error_action_failures = 0;
  bool holding = false;              // a `for:` hold is running (and has not fired)
  // When the actions last ran (since this engine was created); epoch: never.
  std::chrono::system_clock::time_point last_fired{};
  // The rule's `for:`; 0 for a rule without one.
  std::chrono::milliseconds hold_for{0};
  // While `holding`: when the hold began, so it fires at holding_since + hold_for.
  std::chrono::system_clock::time_point holding_since{};
};

class RulesEngine {
 public:
  struct Options {
    std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };
    // SQLite file for the holds (<state_dir>/outbox.db); empty: memory only.
    std::string state_path;
    std::function<std::string()> new_uuid;  // newuuid(); random when unset
    // Hold start times before this are not trusted (default: the build time).
    std::int64_t earliest_valid_ms = -1;
  };

  RulesEngine(std::shared_ptr<const RulesConfig> rules, RuleEffects& effects, Options options);
  ~RulesEngine();
  RulesEngine(const RulesEngine&) = delete;
  RulesEngine& operator=(const RulesEngine&) = delete;

  // Starts the timer thread that fires holds when they come due.
  void start();
  // Stops it; safe twice and without start(). on_message() keeps working.
  void stop();

  void on_message(const Source& source, const Message& message);
  // Fires holds that are due and drops those past max_gap, at the clock's now.
  // The timer thread calls it; tests call it after moving a fake clock.
  void tick();

  // The FROM filters of the enabled rules (to subscribe to on the local broker).
  std::vector<std::string> filters() const;
  std::vector<RuleMetrics> metrics() const;
  // Messages dropped because rules triggering rules went 8 levels deep.
  std::uint64_t chain_too_deep() const { return chain_too_deep_.load(); }
  bool persistent() const { return store_ != nullptr; }

 private:
  struct Runtime;
  void evaluate(Runtime& rule, const Source& source, const Message& message, const rules::EvalInput& input,
                std::int64_t now_ms);
  void fire(Runtime& rule, const Source& source, const Message& message, const rules::EvalInput& input);
  void run_error_action(Runtime& rule, const std::string& action, const std::string& error, const Source& source,
                        const Message& message, const rules::EvalInput& input);
  void save(Runtime& rule, rules::HoldEvent event, std::int64_t now_ms);  // rule.mu held
  void load_holds();
  std::int64_t now_ms() const;
  void run_timer();

  std::shared_ptr<const RulesConfig> config_;
  RuleEffects& effects_;
  Options options_;
  std::vector<std::unique_ptr<Runtime>> rules_;
  struct Trie;
  std::unique_ptr<Trie> trie_;
  std::unique_ptr<rules::RuleStateStore> store_;
  std::mutex store_mu_;
  std::atomic<std::uint64_t> chain_too_deep_{0};
  std::atomic<std::uint64_t> state_write_errors_{0};
  std::atomic<std::uint64_t> payloads_refused_{0};  // over core/json_limits.hpp's bounds

  std::thread timer_;
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  bool holds_changed_ = false;
};

}  // namespace edgebridge
