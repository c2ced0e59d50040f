#pragma once
// Moving a damaged database aside so a fresh one can start: outbox.db becomes
// outbox.db.<label>-<UTC yyyymmddThhmmssZ> (with its -wal and -shm), so it can
// still be inspected with the sqlite3 shell.

#include <chrono>
#include <string>

namespace edgebridge {

// "20240131T235959Z"
std::string utc_stamp(std::chrono::system_clock::time_point t);

// Renames `path` (and `path`-wal, `path`-shm when present) to
// `path`.<label>-<stamp>[-n]; returns the new path of the main file, or an empty
// string when nothing could be renamed (`error` says why).
std::string quarantine_database(const std::string& path, const std::string& label,
                                std::chrono::system_clock::time_point now, std::string& error);

}  // namespace edgebridge
