#include "outbox/dead_letters.hpp"

#include <stdexcept>

#include "core/clocks.hpp"
#include "outbox/schema.hpp"

namespace edgebridge {

namespace {

// " AND ..." for the selection; `bind` binds its parameters from index `first`.
std::string where(const DeadLetterSelection& which) {
  std::string w;
  if (!which.remote.empty()) w += " AND d.remote_id = (SELECT id FROM remotes WHERE name = ?)";
  if (!which.ids.empty()) {
    w += " AND d.id IN (";
    for (std::size_t i = 0; i < which.ids.size(); ++i) w += i == 0 ? "?" : ", ?";
    w += ")";
  }
  return w;
}

void bind(sql::Statement& s, const DeadLetterSelection& which, int first = 1) {
  int i = first;
  if (!which.remote.empty()) s.bind_text(i++, which.remote);
  for (std::int64_t id : which.ids) s.bind(i++, id);
}

template <typename Fn>
auto guarded(const std::string& path, Fn&& fn) {
  try {
    return fn();
  } catch (const sql::Error& e) {
    throw std::runtime_error("cannot use the dead letters in " + path + ": " + e.what());
  }
}

}  // namespace

std::vector<DeadLetterRow> list_dead_letters(const std::string& path, const DeadLetterSelection& which,
                                             std::size_t limit, DeadLetterOrder order) {
  return guarded(path, [&] {
    sql::Connection db = outbox_schema::open_reader(path);
    if (db.query_int("PRAGMA user_version") < 2) return std::vector<DeadLetterRow>{};
    std::string text =
        "SELECT d.id, coalesce(r.name, '?'), d.topic, d.payload, d.qos, d.retain, d.received_at, d.failed_at, "
        "d.reason, d.reason_code, d.attempts, d.detail, d.retry FROM dead_letters d LEFT JOIN remotes r ON "
        "r.id = d.remote_id WHERE 1" +
        where(which) + (order == DeadLetterOrder::newest_first ? " ORDER BY d.id DESC" : " ORDER BY d.id");
    if (limit > 0) text += " LIMIT " + std::to_string(limit);
    sql::Statement s = db.prepare(text);
    bind(s, which);
    std::vector<DeadLetterRow> rows;
    while (s.step()) {
      DeadLetterRow r;
      r.id = s.int64(0);
      r.remote = s.text(1);
      r.topic = s.text(2);
      r.payload = s.blob(3);
      r.qos = static_cast<int>(s.int64(4));
      r.retain = s.int64(5) != 0;
      r.received_at = from_epoch_ms(s.int64(6));
      r.failed_at = from_epoch_ms(s.int64(7));
      r.reason = s.text(8);
      r.reason_code = static_cast<int>(s.int64(9));
      r.attempts = static_cast<int>(s.int64(10));
      r.detail = s.text(11);
      r.retry_requested = s.int64(12) != 0;
      rows.push_back(std::move(r));
    }
    return rows;
  });
}

std::size_t mark_dead_letters_for_retry(const std::string& path, const DeadLetterSelection& which) {
  return guarded(path, [&] {
    sql::Connection db = outbox_schema::open_editor(path);
    sql::Statement s = db.prepare("UPDATE dead_letters AS d SET retry = 1 WHERE retry = 0" + where(which));
    bind(s, which);
    s.run();
    return static_cast<std::size_t>(sqlite3_changes(db.get()));
  });
}

std::size_t purge_dead_letters(const std::string& path, const DeadLetterSelection& which) {
  return guarded(path, [&] {
    sql::Connection db = outbox_schema::open_editor(path);
    sql::Statement s = db.prepare("DELETE FROM dead_letters AS d WHERE 1" + where(which));
    bind(s, which);
    s.run();
    return static_cast<std::size_t>(sqlite3_changes(db.get()));
  });
}

}  // namespace edgebridge
