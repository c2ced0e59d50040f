#pragma once
// An Ingress for adapter tests: records what a device publishes and lets a
// test wait, with a deadline, for the messages on one topic.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ingress.hpp"

namespace edgebridge::test {

class RecordingIngress final : public Ingress {
 public:
  void ingest(const Source& source, Message message) override {
    std::lock_guard<std::mutex> lock(mu_);
    CHECK(source.kind == SourceKind::device);
    messages_.push_back(std::move(message));
    cv_.notify_all();
  }

  // The messages on `topic`, once there are at least `count` (or after `timeout`).
  std::vector<Message> wait_for(const std::string& topic, std::size_t count,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    std::vector<Message> out;
    cv_.wait_for(lock, timeout, [&] {
      out.clear();
      for (const auto& m : messages_)
        if (m.topic == topic) out.push_back(m);
      return out.size() >= count;
    });
    return out;
  }

  // The same, as parsed JSON payloads.
  std::vector<nlohmann::json> wait(const std::string& topic, std::size_t count,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::vector<nlohmann::json> out;
    for (const auto& m : wait_for(topic, count, timeout)) out.push_back(nlohmann::json::parse(m.payload));
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Message> messages_;
};

}  // namespace edgebridge::test
