#pragma once
// The outbox database layout (PRAGMA user_version 3):
//   remotes(id INTEGER PRIMARY KEY, name TEXT UNIQUE)        one row per remote
//   q_<remote id>(id INTEGER PRIMARY KEY, topic TEXT, payload BLOB,
//                 qos INTEGER, retain INTEGER, received_at INTEGER,
//                 batch INTEGER)                             one FIFO per remote,
//                 with an index on received_at for the ttl; batch: the
//                 batch_streams row it is sent in, NULL when sent alone (version 3)
//   counters(remote_id, name, value)                         persisted counters
//   dead_letters(id INTEGER PRIMARY KEY, remote_id, topic, payload, qos, retain,
//                received_at, failed_at, reason, reason_code, attempts, detail,
//                retry, batch)                               refused messages (version 2;
//                                                            batch: version 3)
//   batch_streams(id INTEGER PRIMARY KEY, remote_id, topic, format)
//                                                            one row per batch stream (version 3)
// Table names come from remote ids, never from remote names. Older files are
// upgraded in place when opened for writing (version 1 gains dead_letters,
// version 2 the batch columns and batch_streams); a build older than the file
// refuses to open it.

#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "outbox/sqlite.hpp"

namespace edgebridge::outbox_schema {

constexpr int kVersion = 3;

// Bytes of a row as the bounds count them (topic + payload), in SQL.
constexpr const char* kRowBytes = "(length(CAST(topic AS BLOB)) + length(payload))";

// Opens (creating) the database for the writer: WAL, synchronous per
// `durability`, PRAGMA quick_check, and the schema. Throws sql::Error; for a
// damaged file Error::corrupt() is true, for a schema from a newer build the
// code is SQLITE_MISMATCH.
sql::Connection open_writer(const std::string& path, Durability durability);

// A connection that only reads (the forwarders' and `outbox stats`'s). It never
// checkpoints on close, so it cannot touch the WAL of a file it no longer owns.
sql::Connection open_reader(const std::string& path);

// A read-write connection for the command line (`outbox dead-letters --retry
// / --purge`) beside a running gateway: waits for the gateway's writer instead
// of failing when it is busy. Throws sql::Error.
sql::Connection open_editor(const std::string& path);

std::string queue_table(std::int64_t remote_id);

// The id of `name` in `remotes`, inserting it when missing.
std::int64_t ensure_remote(sql::Connection& db, const std::string& name);
void ensure_queue_table(sql::Connection& db, std::int64_t remote_id);

}  // namespace edgebridge::outbox_schema
