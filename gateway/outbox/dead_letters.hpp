#pragma once
// The dead letters as the command line sees them (`edgebridge outbox
// dead-letters`): list them, mark them for retry, purge them. Safe beside a
// running gateway: the listing only reads; a retry only sets a mark that the
// gateway's writer acts on within a second (or at the next start), putting the
// messages back at the end of their queue; a purge deletes rows the gateway
// does not hold in memory.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace edgebridge {

struct DeadLetterRow {
  std::int64_t id = 0;
  std::string remote;
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  std::chrono::system_clock::time_point received_at{};
  std::chrono::system_clock::time_point failed_at{};
  std::string reason;  // DeadLetterReason's name, e.g. not_authorized
  int reason_code = 0;
  int attempts = 0;
  std::string detail;
  bool retry_requested = false;
};

// Which dead letters a command acts on: all of them, one remote's, or by id.
struct DeadLetterSelection {
  std::string remote;              // empty: every remote
  std::vector<std::int64_t> ids;   // empty: every id
};

enum class DeadLetterOrder { oldest_first, newest_first };

// `limit` 0: all. Throws std::runtime_error with the reason.
std::vector<DeadLetterRow> list_dead_letters(const std::string& db_path, const DeadLetterSelection& which,
                                             std::size_t limit = 0,
                                             DeadLetterOrder order = DeadLetterOrder::oldest_first);
// Returns how many were marked / deleted.
std::size_t mark_dead_letters_for_retry(const std::string& db_path, const DeadLetterSelection& which);
std::size_t purge_dead_letters(const std::string& db_path, const DeadLetterSelection& which);

}  // namespace edgebridge
