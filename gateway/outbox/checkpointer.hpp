#pragma once
// Copies the WAL back into the database file on its own thread and connection,
// so the writer's commits never wait behind a checkpoint (which would stretch
// the ingest window by the time it takes to copy and sync a few MB). The
// writer still checkpoints itself when the WAL grows past a hard cap: a busy
// writer can keep a background checkpoint from ever finishing, and only a
// finished checkpoint lets the WAL start over.

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "outbox/sqlite.hpp"

namespace edgebridge {

class Checkpointer {
 public:
  // WAL size (pages) from which a background checkpoint is started.
  static constexpr int kStartPages = 1000;

  Checkpointer(std::string path, Durability durability);
  ~Checkpointer();  // stop()
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  void start();
  void stop();
  // After a commit: the WAL now holds `pages` frames.
  void wal_grew(int pages);
  // Waits for a running checkpoint, closes the connection and checkpoints
  // nothing until resume(): the file is about to be closed or moved.
  void suspend();
  void resume();

 private:
  void run();
  void checkpoint();

  const std::string path_;
  const Durability durability_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false, due_ = false, suspended_ = false;
  std::mutex work_m_;  // held while the connection is in use
  sql::Connection db_;
  std::thread thread_;
};

}  // namespace edgebridge
