#pragma once
// The newest few dead letters for the status page: remote, topic, reason,
// detail and time (never the payload). Read from the outbox database with
// list_dead_letters() (read-only, beside the running writer), on the
// observer's thread, never on the event loop.
//
//  - It reads again only when the remotes' dead-letter counts changed since
//    the last read, and at most once every 2 s; otherwise it keeps the rows it
//    has, so a gateway without new dead letters never touches the database.
//  - It reads only the newest `keep` rows; when there are more, the note says
//    how to list them all (`edgebridge outbox dead-letters`).
//  - A read that fails (a locked or missing file) leaves the note saying why.
//
// Not thread-safe: one observer thread uses it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "observe/snapshot.hpp"

namespace edgebridge {

class RecentDeadLetters {
 public:
  explicit RecentDeadLetters(std::string db_path, std::size_t keep = 5);

  // Fills s.newest_dead_letters and s.dead_letters_note from s.remotes' counters.
  void fill(GatewaySnapshot& s, std::chrono::steady_clock::time_point now);

 private:
  std::string db_path_;
  std::size_t keep_;
  bool read_once_ = false;
  std::uint64_t counts_seen_ = 0;
  std::chrono::steady_clock::time_point read_at_{};
  std::vector<DeadLetterNote> newest_;
  std::string note_;
};

}  // namespace edgebridge
