#pragma once
// Moves one remote's messages from its OutboxQueue to its connection, on the
// event loop thread: oldest first, at most `inflight` unacknowledged (also
// capped by the broker's Receive Maximum), paced by max_publish_rate and
// max_bytes_rate.
//
// A message routed to the remote enters through accept(): the queue gives it
// its id and the forwarder keeps it in memory (within a bound) and publishes it
// at once; with durability: full only after its commit. Rows that are not in
// memory (from before a restart, or beyond the bound) are read back from the
// database. What each publish comes to:
//  - acked: the queue deletes the row (or never writes it);
//  - refused: the row moves to the dead letters, logged and counted; the
//    messages behind it are not sent again;
//  - transient: that message alone is sent again, after the pacer backed off.
// When the connection drops, every unacknowledged message is sent again from
// the oldest on the next connection (at least once; first deliveries keep
// their order; inflight: 1 keeps strict order even across reconnects).
//
// A broker that closes the connection instead of refusing (AWS IoT Core on
// MQTT 3.1.1): when a connection ends by the broker's hand within
// closed_window of publishing the same oldest message, `closed_strikes` times
// in a row, that message is dead-lettered (closed_connection). After the first
// such close the suspect is sent alone, so the messages behind it are not
// blamed, and a broker that merely restarted takes it and clears the count.
//
// Releases: a message accepted with a receipt (its source still holds it, e.g.
// the local broker waits for our PUBACK) is released to the ReleaseSink once
// it is acknowledged, dead-lettered, dropped or committed.
//
// Batches (Message::batch, docs/batching.md): the messages of one batch stream
// are committed at once (never held) and each stays its own row. At send time
// the oldest committed waiting rows of the stream are packed into one publish
// on the stream's topic (outbox/batch_encoder.hpp) when they fill it
// (max_messages, or max_bytes capped by max_message_size and the remote's
// Maximum Packet Size), when the oldest has waited max_delay, or at once while
// draining (drain(), on stop). A batch counts as one publish for the window and
// the pacer. What it comes to applies to every row in it:
//  - acked: every row is deleted;
//  - transient, or the connection lost: the same rows are sent again as the
//    same batch (same entries, same ids), before anything newer of the stream;
//  - refused as too large (0x95): sent again as two halves, and the stream's
//    batches stay below that size from then on;
//  - refused otherwise, or blamed for closed connections: every row moves to the
//    dead letters.
// A row whose entry alone is over the batch limit is dead-lettered (too_large)
// unsent. First deliveries keep their order within a stream; a stream that
// waits for max_delay does not hold back the messages of other streams.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/units.hpp"
#include "core/event_loop.hpp"
#include "core/log_limiter.hpp"
#include "core/publisher.hpp"
#include "outbox/outbox.hpp"
#include "outbox/pacer.hpp"

namespace edgebridge {

class ReleaseSink {
 public:
  virtual ~ReleaseSink() = default;
  // Loop thread: one more outbox copy of message `receipt` is to be released.
  virtual void hold(std::uint64_t receipt) = 0;
  // Loop thread: the outbox no longer needs the source to keep that copy.
  virtual void release(std::uint64_t receipt) = 0;
};

struct ForwarderSettings {
  int inflight = 64;
  Rate max_publish_rate{};  // unlimited
  Rate max_bytes_rate{};    // unlimited
  std::size_t max_message_size = 128 * 1024;  // payload bytes; larger ones are dead-lettered unsent (0: no limit)
  int closed_strikes = 3;   // 0: never dead-letter for closed connections
  std::chrono::milliseconds closed_window{5000};
  bool store_qos0 = true;
  Durability durability = Durability::normal;
  // Messages kept in memory for sending while connected (the rest is read back
  // from the database once committed): a burst that the remote takes a moment
  // to drain is never written at all.
  std::size_t memory_rows = 16384;
  std::size_t memory_bytes = 8u << 20;
  // While disconnected only this much: what waits for the remote is committed
  // and read back when it returns (RAM stays flat during a long outage).
  std::size_t offline_rows = 256;
  std::size_t offline_bytes = 256u << 10;
  bool mqtt5_sizes = true;  // count MQTT 5 property bytes when checking packet sizes
  Duration ttl{0};          // the queue's ttl: older messages are not sent (the writer's sweep counts them)
  // The remote's batch streams (RemoteConfig::batches): their limits apply to
  // rows read back from the database, which name their stream only.
  std::vector<std::shared_ptr<const BatchSpec>> batches;
  // Each batch entry's id is this prefix and the row id ("<gateway id>:<remote>:").
  std::string entry_id_prefix;
};

// Called when a message was dead-lettered (to publish a notice locally).
using DeadLetterHook = std::function<void(const std::string& remote, const Message& message, const DeadLetter& why)>;

struct ForwarderStatus {
  std::size_t in_memory = 0;
  std::size_t inflight = 0;
  int strikes = 0;
  double throttled_rate = 0;  // messages/s the throttle allows; 0 when none
};

class Forwarder final : public PublishListener, public QueueListener {
 public:
  Forwarder(std::string remote, EventLoop& loop, OutboxQueue& queue, Publisher& publisher, ForwarderSettings settings,
            ReleaseSink* releases = nullptr, DeadLetterHook on_dead_letter = {});
  ~Forwarder() override;  // stop()
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Loop thread. start() begins sending what the queue holds.
  void start();
  void stop();
  // Loop thread: sends every batch now instead of after max_delay and calls
  // `done` once no batched message waits or is in flight, the connection is
  // gone, or `timeout` passed (at once when there is nothing to drain).
  void drain(std::chrono::milliseconds timeout, std::function<void()> done);

  // Loop thread: a message routed to this remote. `receipt` (0: none) is
  // released when the outbox no longer needs its source to keep it.
  Delivery accept(Message message, std::uint64_t receipt);

  // PublishListener (loop thread)
  void published(std::uint64_t token, const PublishOutcome& outcome) override;
  void connected() override;
  void connection_lost(const ConnectionEnd& end) override;
  // QueueListener (writer thread): posts to the loop.
  void committed(const CommitNotice& notice) override;

  ForwarderStatus status() const;  // loop thread

 private:
  enum class State { waiting, inflight, done };
  using Clock = std::chrono::steady_clock;
  using Stream = std::shared_ptr<const BatchSpec>;
  struct Entry {
    std::int64_t id = 0;
    Message message;  // message.batch: its stream (the configured one when there is one)
    State state = State::waiting;
    int attempts = 0;
    Clock::time_point sent_at{};
    Clock::time_point not_before{};  // a transient refusal: not again before this
    Clock::time_point seen{};        // when the forwarder got it (max_delay counts from here or received_at)
    std::int64_t group = 0;          // batched: the batch it went out in (its token); 0: none yet
    std::string encoded;             // batched: its entry in a batch, once encoded
  };
  // A batch that was sent: its rows go out together again until they are resolved.
  struct Group {
    Stream stream;
    std::vector<std::int64_t> ids;  // ascending
    bool inflight = false;
    std::size_t bytes = 0;  // payload bytes when last sent
  };
  // What pump() sends for a batch.
  struct BatchPlan {
    Stream stream;
    std::vector<Entry*> entries;
    std::int64_t token = 0;
    bool regroup = false;  // an existing group sent again
  };
  enum class Planned { send, wait, again };

  void pump();
  void schedule_pump(Clock::duration delay);
  // The next entry to send (from cursor_), skipping the streams in `held`,
  // reading more from the database when memory holds none; null when there is
  // nothing to send now (`retry_at` then says when a held-back entry may go).
  Entry* next_waiting(Clock::time_point now, Clock::time_point& retry_at, const std::vector<Stream>& held);
  bool read_more();
  Entry* find(std::int64_t id);
  void finish(Entry& e);
  void pop_done();
  void settle(const CommitNotice& notice);
  void release_upto(std::int64_t id);
  void release_one(std::int64_t id);
  void send_to_dead_letters(Entry& e, DeadLetter why, bool pop = true);
  bool keep_in_memory(std::size_t bytes) const;
  std::size_t max_rows() const;
  std::size_t max_bytes() const;
  void drop_unsent_upto(std::int64_t id);
  std::int64_t token_of(const Entry& e) const { return e.group != 0 ? e.group : e.id; }

  // Batches (forwarder_batches.cpp).
  Stream canonical(const Stream& stream) const;
  // The batch that starts with `first` (its stream's oldest waiting row):
  // send it now, wait (not full and not due: `retry_at` says when), or look
  // again (rows were resolved on the way: expired, or too large alone).
  Planned plan_batch(Entry& first, Clock::time_point now, BatchPlan& plan, Clock::time_point& retry_at);
  Planned plan_group(Entry& first, BatchPlan& plan);
  // Sends `plan`; false when the connection is going away.
  enum class Sent { ok, paced, gone, refused };
  Sent send_batch(BatchPlan& plan, std::uint64_t conn, Clock::time_point now);
  std::size_t batch_limit(const BatchSpec& stream) const;
  const std::string& encoded(Entry& e);
  void batch_published(std::int64_t token, const PublishOutcome& outcome);
  void batch_refused(std::int64_t token, const PublishOutcome& outcome);
  void dead_letter_group(std::int64_t token, const DeadLetter& why);
  bool batches_pending() const;
  void check_drain();

  const std::string remote_;
  EventLoop& loop_;
  OutboxQueue& queue_;
  Publisher& publisher_;
  const ForwarderSettings settings_;
  ReleaseSink* const releases_;
  DeadLetterHook on_dead_letter_;
  Pacer pacer_;
  // Posted notices check it: the forwarder may be gone when they run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool started_ = false;

  std::deque<Entry> rows_;      // ascending ids; unsent, in flight, or done (popped from the front)
  std::size_t memory_bytes_ = 0;
  std::deque<Entry> tail_;      // accepted after a gap (not next in line), newest kept
  std::size_t tail_bytes_ = 0;
  std::size_t cursor_ = 0;      // no waiting entry before this index
  std::size_t inflight_ = 0;
  std::int64_t fetched_upto_ = 0;  // every unresolved id up to here is in rows_
  std::int64_t known_upto_ = 0;    // the highest id that exists
  std::int64_t settled_upto_ = 0;  // committed or resolved up to here (the queue's notices)
  std::deque<std::pair<std::int64_t, std::uint64_t>> unreleased_;  // (id, receipt), ascending ids
  std::uint64_t connection_ = 0;
  std::int64_t newest_acked_ = 0;  // on this connection
  EventLoop::TimerId pump_timer_ = 0;
  Clock::time_point pump_due_{};

  // Batches.
  std::map<std::int64_t, Group> groups_;             // by token (the id of its first row)
  std::map<std::string, std::size_t> learned_caps_;  // batch topic -> payload bytes the remote refused as too large
  bool draining_ = false;
  std::function<void()> drain_done_;
  Clock::time_point drain_deadline_{};
  EventLoop::TimerId drain_timer_ = 0;

  // Closed-connection judgement.
  std::int64_t suspect_id_ = 0;
  int strikes_ = 0;

  LogLimiter dead_letter_log_{std::chrono::seconds(10)};
  LogLimiter transient_log_{std::chrono::seconds(10)};
};

}  // namespace edgebridge
