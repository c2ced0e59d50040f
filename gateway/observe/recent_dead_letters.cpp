#include "observe/recent_dead_letters.hpp"

#include <exception>

#include "outbox/dead_letters.hpp"

namespace edgebridge {
namespace {

constexpr std::chrono::seconds kReadAtMostEvery{2};

}  // namespace

RecentDeadLetters::RecentDeadLetters(std::string db_path, std::size_t keep)
    : db_path_(std::move(db_path)), keep_(keep) {}

void RecentDeadLetters::fill(GatewaySnapshot& s, std::chrono::steady_clock::time_point now) {
  std::uint64_t rows = 0;
  std::uint64_t counts = 0;  // changes when one is added, retried or purged
  for (const auto& r : s.remotes) {
    rows += r.outbox.dead_letters;
    counts += r.outbox.dead_letters;
    for (std::uint64_t n : r.outbox.dead_lettered) counts += n;
  }
  const bool changed = !read_once_ || counts != counts_seen_;
  if (changed && (!read_once_ || now - read_at_ >= kReadAtMostEvery)) {
    read_once_ = true;
    counts_seen_ = counts;
    read_at_ = now;
    newest_.clear();
    note_.clear();
    if (rows > 0) {
      try {
        for (const auto& d : list_dead_letters(db_path_, DeadLetterSelection{}, keep_, DeadLetterOrder::newest_first))
          newest_.push_back({d.remote, d.topic, d.reason, d.detail, d.failed_at});
        if (rows > keep_)
          note_ = std::to_string(rows) + " dead letters in all; list them with `edgebridge outbox dead-letters`";
      } catch (const std::exception& e) {
        note_ = std::string("cannot read the dead letters: ") + e.what();
      }
    }
  }
  s.newest_dead_letters = newest_;
  s.dead_letters_note = note_;
}

}  // namespace edgebridge
