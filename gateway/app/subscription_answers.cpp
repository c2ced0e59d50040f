#include "app/subscription_answers.hpp"

#include <condition_variable>
#include <map>
#include <mutex>

namespace edgebridge {

struct SubscriptionAnswers::State {
  std::mutex m;
  std::condition_variable cv;
  std::map<std::string, bool> answered;  // link -> answered; absent until it calls back
  std::vector<std::string> expected;
};

SubscriptionAnswers::SubscriptionAnswers() : state_(std::make_shared<State>()) {}

std::function<void(bool)> SubscriptionAnswers::expect(const std::string& link) {
  {
    std::lock_guard<std::mutex> lock(state_->m);
    state_->expected.push_back(link);
  }
  return [state = state_, link](bool answered) {
    std::lock_guard<std::mutex> lock(state->m);
    state->answered[link] = answered;
    state->cv.notify_all();
  };
}

std::vector<std::string> SubscriptionAnswers::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->m);
  state_->cv.wait_for(lock, timeout, [&] { return state_->answered.size() >= state_->expected.size(); });
  std::vector<std::string> unanswered;
  for (const auto& link : state_->expected) {
    const auto it = state_->answered.find(link);
    if (it == state_->answered.end() || !it->second) unanswered.push_back(link);
  }
  return unanswered;
}

}  // namespace edgebridge
