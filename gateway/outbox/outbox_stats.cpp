// `edgebridge outbox stats`: a read-only look at the database, safe while the
// gateway runs (a WAL reader never blocks the writer).
#include <algorithm>
#include <stdexcept>

#include "outbox/outbox.hpp"
#include "outbox/schema.hpp"

namespace edgebridge {

std::vector<OutboxQueueStats> read_outbox_stats(const std::string& path) {
  std::vector<OutboxQueueStats> result;
  try {
    sql::Connection db = outbox_schema::open_reader(path);
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    // One read transaction, so depth and counters come from the same commit.
    db.exec("BEGIN");
    sql::Statement remotes = db.prepare("SELECT id, name FROM remotes ORDER BY name");
    while (remotes.step()) {
      OutboxQueueStats stats;
      const std::int64_t id = remotes.int64(0);
      stats.remote = remotes.text(1);
      const std::string t = outbox_schema::queue_table(id);
      const bool has_table =
          db.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '" + t + "'") > 0;
      if (has_table) {
        sql::Statement depth = db.prepare(std::string("SELECT count(*), coalesce(sum(") + outbox_schema::kRowBytes +
                                          "), 0), min(received_at) FROM " + t);
        if (depth.step()) {
          stats.depth = static_cast<std::uint64_t>(depth.int64(0));
          stats.depth_bytes = static_cast<std::uint64_t>(depth.int64(1));
          if (!depth.is_null(2)) stats.oldest_age_ms = std::max<std::int64_t>(0, now_ms - depth.int64(2));
        }
      }
      if (db.query_int("PRAGMA user_version") >= 2) {
        sql::Statement dead = db.prepare("SELECT count(*) FROM dead_letters WHERE remote_id = ?");
        dead.bind(1, id);
        if (dead.step()) stats.dead_letters = static_cast<std::uint64_t>(dead.int64(0));
      }
      sql::Statement counters = db.prepare("SELECT name, value FROM counters WHERE remote_id = ? ORDER BY name");
      counters.bind(1, id);
      while (counters.step())
        stats.counters.emplace_back(counters.text(0), static_cast<std::uint64_t>(counters.int64(1)));
      result.push_back(std::move(stats));
    }
    remotes.reset();
    db.exec("COMMIT");
  } catch (const sql::Error& e) {
    throw std::runtime_error("Cannot read the outbox database " + path + ": " + e.what());
  }
  return result;
}

}  // namespace edgebridge
