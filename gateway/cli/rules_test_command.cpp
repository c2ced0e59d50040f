// `edgebridge rules test -c FILE --rule NAME --topic T --payload P` (or
// --payload-file F, - for stdin): what the rule would select and do for that
// message. A payload nested too deep or too large to parse is said so
// (core/json_limits.hpp) and evaluated as bytes. Nothing is sent; no broker,
// device or outbox is touched.
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "loader/loader.hpp"
#include "rules/rule_config.hpp"
#include "rules/rule_trial.hpp"

namespace edgebridge {

namespace {

bool parse_source(const std::string& text, Source& out) {
  if (text.empty() || text == "local") {
    out = Source::local();
    return true;
  }
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  const std::string kind = text.substr(0, colon);
  const std::string name = text.substr(colon + 1);
  if (kind == "device")
    out = Source::device(name);
  else if (kind == "remote")
    out = Source::remote(name);
  else
    return false;
  return true;
}

// More than any MQTT message the gateway passes on (the local broker's and
// AWS IoT's limits are lower): a bigger file is refused, not read.
constexpr std::size_t kMaxPayloadFileBytes = 16 * 1024 * 1024;

bool read_payload(const std::string& path, std::string& out, std::string& why) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) {
      why = "cannot read " + path;
      return false;
    }
    in = &file;
  }
  out.clear();
  char buf[65536];
  while (*in) {
    in->read(buf, sizeof buf);
    out.append(buf, static_cast<std::size_t>(in->gcount()));
    if (out.size() > kMaxPayloadFileBytes) {
      why = (path == "-" ? std::string("standard input") : path) + " holds more than 16 MiB; a payload is smaller";
      return false;
    }
  }
  return true;
}

const char* condition_text(rules::Condition c) {
  switch (c) {
    case rules::Condition::is_true: return "true";
    case rules::Condition::is_false: return "false";
    case rules::Condition::undefined: return "undefined";
  }
  return "?";
}

}  // namespace

int rules_test_command(const RulesTestOptions& options, const DeviceCatalog& catalog) {
  Source source;
  if (!parse_source(options.source, source)) {
    std::cerr << "--source: \"" << options.source << "\" is not valid; use local, device:NAME or remote:NAME\n";
    return kExitUsage;
  }
  LoadOptions load_options;
  load_options.check_files = false;  // a dry run needs the rules, not the TLS files
  auto loaded = load_config_file(options.config_path, catalog, load_options);
  if (!loaded.config) {
    std::cerr << loaded.diagnostics.format_all();
    return kExitBadConfig;
  }
  const RulesConfig& rules = *loaded.config->rules;
  const RuleConfig* rule = rules.find(options.rule);
  if (!rule) {
    std::cerr << "no rule named \"" << options.rule << "\" in " << options.config_path;
    if (rules.rules.empty())
      std::cerr << " (it has no rules)";
    else {
      std::cerr << "; rules:";
      for (const auto& r : rules.rules) std::cerr << " " << r.name;
    }
    std::cerr << "\n";
    return kExitUsage;
  }

  Message message;
  message.topic = options.topic;
  message.payload = options.payload;
  if (!options.payload_file.empty()) {
    std::string why;
    if (!read_payload(options.payload_file, message.payload, why)) {
      std::cerr << "--payload-file: " << why << "\n";
      return kExitUsage;
    }
  }
  message.qos = 1;
  const auto now = std::chrono::system_clock::now();
  message.received_at = now;
  const rules::RuleTrial t = rules::try_rule(*rule, source, message, now);
  const rules::Statement& st = *rule->statement;

  std::cout << "rule " << rule->name << " (" << rule->where.file << " line " << rule->where.line << ")"
            << (rule->enabled ? "" : "  DISABLED: enabled is false, it never runs") << "\n";
  std::string sql = rule->sql;
  while (!sql.empty() && (sql.back() == '\n' || sql.back() == ' ')) sql.pop_back();
  for (std::size_t at = sql.find('\n'); at != std::string::npos; at = sql.find('\n', at + 3))
    sql.replace(at, 1, "\n  ");
  std::cout << "  " << sql << "\n\n";
  std::cout << "FROM    '" << st.from << "' " << (t.topic_matches ? "matches" : "does NOT match") << " the topic "
            << message.topic << "\n";
  if (!t.payload_refused.empty())
    std::cout << "PAYLOAD not parsed: " << t.payload_refused << "; the rule sees its keys as undefined\n";
  if (st.where)
    std::cout << "WHERE   " << condition_text(t.condition)
              << (t.condition == rules::Condition::undefined ? "  (a key it reads is missing or has the wrong type)"
                                                             : "")
              << "\n";
  else
    std::cout << "WHERE   (none: every message)\n";
  std::cout << "SELECT  " << t.selected.payload << "\n";
  if (rule->hold) {
    std::cout << "for     " << format_duration(*rule->hold)
              << ": the actions run once, when the WHERE has held that long without a break";
    if (rule->max_gap) std::cout << " (max_gap " << format_duration(*rule->max_gap) << ")";
    std::cout << "\n";
  }

  const bool would_run = rule->enabled && t.topic_matches && t.condition == rules::Condition::is_true;
  std::cout << "\n";
  if (!would_run) {
    std::cout << "The rule would not fire for this message. Its actions would be:\n";
  } else if (rule->hold) {
    std::cout << "This message starts or continues the hold. When the hold fires, the rule would:\n";
  } else {
    std::cout << "The rule would fire and:\n";
  }
  for (std::size_t i = 0; i < t.actions.size(); ++i)
    std::cout << "  " << (i + 1) << ". " << rules::describe(t.actions[i]) << "\n";
  std::cout << "  If an action fails: " << rules::describe(t.on_failure) << "\n";
  std::cout << "\nNothing was sent.\n";
  return kExitOk;
}

}  // namespace edgebridge
