#pragma once
// Waits, on the main thread, for the brokers to answer the subscriptions a
// reload changed, so that "Reloaded." means a new mapping is live: a message
// published on the local broker after that line is not dropped for want of
// our SUBSCRIBE having arrived.
//
// expect() hands out a callback per link, for LocalEndpoint::when_subscribed or
// RemoteEndpoint::when_subscribed (called on the loop thread, possibly after
// wait() has given up: the state is shared).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace edgebridge {

class SubscriptionAnswers {
 public:
  SubscriptionAnswers();

  // The callback to give the link named `link` ("local" or a remote's name).
  std::function<void(bool answered)> expect(const std::string& link);
  // Waits until every expected link called back, or `timeout`. Returns the
  // links not answered: not connected, connection ended, or too slow.
  std::vector<std::string> wait(std::chrono::milliseconds timeout);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace edgebridge
