#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "outbox/committer.hpp"
#include "outbox/outbox.hpp"
#include "outbox/quarantine.hpp"
#include "outbox/queue_impl.hpp"
#include "outbox/schema.hpp"
#include "outbox/writer.hpp"

namespace edgebridge {

namespace {

// Opens the database; a damaged file (or one from a newer build) is moved
// aside once and a fresh one created. Throws std::runtime_error when no
// database can be opened at all.
sql::Connection open_or_replace(const OutboxOptions& options, std::string& quarantined) {
  for (int round = 0;; ++round) {
    try {
      return outbox_schema::open_writer(options.path, options.durability);
    } catch (const sql::Error& e) {
      const bool unusable = e.corrupt() || e.primary() == SQLITE_MISMATCH;
      if (!unusable || round > 0)
        throw std::runtime_error("Cannot open the outbox database " + options.path + ": " + e.what());
      const char* label = e.corrupt() ? "corrupt" : "unsupported";
      spdlog::error("Outbox database is unusable; moving it aside. path={} error=\"{}\"", options.path, e.what());
      std::string error;
      quarantined = quarantine_database(options.path, label, options.clock(), error);
      if (quarantined.empty())
        throw std::runtime_error("Cannot move the unusable outbox database " + options.path + " aside: " + error);
      spdlog::error("Moved the unusable outbox aside; starting a new one. path={} moved_to={}", options.path,
                    quarantined);
    }
  }
}

}  // namespace

struct OutboxStore::Impl {
  // Members are destroyed in reverse order: the writer (whose stop() still
  // walks its queues) must go before the queues it points to.
  std::mutex queues_m;
  std::map<std::string, std::unique_ptr<QueueImpl>> queues;
  std::unique_ptr<Writer> writer;
};

OutboxStore::OutboxStore(OutboxOptions options) : impl_(std::make_unique<Impl>()) {
  std::string quarantined;
  sql::Connection db = open_or_replace(options, quarantined);
  auto committer = std::make_unique<Committer>(options, std::move(db));
  committer->set_quarantined_path(quarantined);
  impl_->writer = std::make_unique<Writer>(std::move(options), std::move(committer));
  impl_->writer->start();
}

OutboxStore::~OutboxStore() {
  // The writer commits what is pending and closes the readers; the queues go after.
  impl_->writer->stop();
}

OutboxQueue& OutboxStore::queue(const std::string& remote, const OutboxLimits& limits) {
  std::lock_guard<std::mutex> lock(impl_->queues_m);
  auto it = impl_->queues.find(remote);
  if (it != impl_->queues.end()) {
    it->second->set_limits(limits);
    return *it->second;
  }
  auto q = std::make_unique<QueueImpl>(remote, limits, *impl_->writer);
  QueueImpl& ref = *q;
  impl_->queues.emplace(remote, std::move(q));
  impl_->writer->add_queue(ref);
  return ref;
}

void OutboxStore::flush() { impl_->writer->flush(); }

bool OutboxStore::under_pressure() const { return impl_->writer->under_pressure(); }

void OutboxStore::commit_soon() { impl_->writer->commit_soon(); }

std::string OutboxStore::quarantined_path() const { return impl_->writer->quarantined_path(); }

void OutboxStore::set_max_file_bytes(std::uint64_t bytes) { impl_->writer->set_max_file_bytes(bytes); }

}  // namespace edgebridge
