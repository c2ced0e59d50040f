#include "app/subscription_answers.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>

namespace edgebridge {

struct SubscriptionAnswers::State {
  std::mutex m;
  std::condition_variable cv;
  // One slot per expect(), in order: the link's name and its answer once given.
  std::vector<std::pair<std::string, std::optional<bool>>> slots;
  std::size_t answers = 0;
};

SubscriptionAnswers::SubscriptionAnswers() : state_(std::make_shared<State>()) {}

std::function<void(bool)> SubscriptionAnswers::expect(const std::string& link) {
  std::size_t slot = 0;
  {
    std::lock_guard<std::mutex> lock(state_->m);
    slot = state_->slots.size();
    state_->slots.emplace_back(link, std::nullopt);
  }
  return [state = state_, slot](bool answered) {
    std::lock_guard<std::mutex> lock(state->m);
    auto& answer = state->slots[slot].second;
    if (answer) return;  // the first answer counts
    answer = answered;
    ++state->answers;
    state->cv.notify_all();
  };
}

std::vector<std::string> SubscriptionAnswers::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->m);
  state_->cv.wait_for(lock, timeout, [&] { return state_->answers >= state_->slots.size(); });
  std::vector<std::string> unconfirmed;
  for (const auto& [link, answer] : state_->slots)
    if (!answer.value_or(false)) unconfirmed.push_back(link);
  return unconfirmed;
}

}  // namespace edgebridge
