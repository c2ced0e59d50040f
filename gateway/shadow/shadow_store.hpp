#pragma once
// Keeps each device's shadow state (ShadowRecord) in the outbox's database
// file, <state_dir>/outbox.db, in a table of its own, shadow_state, through its
// own connection (WAL, busy_timeout); the outbox's tables and user_version are
// not touched. So the coalesced pending reported state survives a restart.
//
// save() is for the event loop and never waits on the disk: records are
// handed to a writer thread, the latest per device wins, and what arrived
// within 100 ms is written in one transaction. The destructor writes what is
// left.

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "outbox/sqlite.hpp"
#include "shadow/shadow_record.hpp"

namespace edgebridge {

class ShadowStore {
 public:
  // Opens or creates `path` and the table. Throws std::runtime_error when the
  // file cannot be used.
  explicit ShadowStore(const std::string& path);
  ~ShadowStore();
  ShadowStore(const ShadowStore&) = delete;
  ShadowStore& operator=(const ShadowStore&) = delete;

  // Every saved record (call before the first save()).
  std::vector<ShadowRecord> load();
  // Any thread: written soon; a later save of the same device replaces it.
  void save(ShadowRecord record);
  // Any thread: the device's row goes (it has no shadow any more).
  void remove(const std::string& device);
  // Waits until everything handed over so far is written.
  void flush();

 private:
  void run();
  bool write(const std::map<std::string, std::optional<ShadowRecord>>& batch, std::string& why);

  sql::Connection db_;
  sql::Statement upsert_;
  sql::Statement erase_;
  std::mutex m_;
  std::condition_variable cv_;
  std::map<std::string, std::optional<ShadowRecord>> queued_;  // nullopt: remove
  bool busy_ = false;                                          // the writer has a batch in hand
  bool stopping_ = false;
  std::thread thread_;
};

// Read-only, for `edgebridge shadow show` (works while the gateway runs). No
// table yet: no records.
std::vector<ShadowRecord> read_shadow_records(const std::string& path);

}  // namespace edgebridge
