#pragma once
// Waits, on the main thread, for the brokers to confirm the subscriptions a
// reload changed, so that "Reloaded." means a new mapping is live: a message
// published on the local broker after that line is not dropped for want of
// our SUBSCRIBE having arrived.
//
// expect() hands out a callback per link, for LocalEndpoint::when_subscribed or
// RemoteEndpoint::when_subscribed (called on the loop thread, possibly after
// wait() has given up: the state is shared). Each expect() has its own slot,
// so two links of the same name (a remote called "local") never share one.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace edgebridge {

class SubscriptionAnswers {
 public:
  SubscriptionAnswers();

  // The callback to give the link named `link` ("local" or a remote's name);
  // its first call counts: true when the broker took every change.
  std::function<void(bool confirmed)> expect(const std::string& link);
  // Waits until every expected link called back, or `timeout`. Returns, in the
  // order expected, the links not confirmed: not connected, connection ended,
  // a filter refused or not sent, or too slow.
  std::vector<std::string> wait(std::chrono::milliseconds timeout);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace edgebridge
