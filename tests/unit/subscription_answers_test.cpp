#include <catch2/catch.hpp>

#include <thread>

#include "app/subscription_answers.hpp"

using namespace edgebridge;
using namespace std::chrono_literals;

TEST_CASE("a reload's wait ends when every link answered, from another thread", "[reload]") {
  SubscriptionAnswers answers;
  auto local = answers.expect("local");
  auto ops = answers.expect("ops");
  std::thread loop([&] {
    std::this_thread::sleep_for(20ms);
    local(true);
    ops(true);
  });
  const auto started = std::chrono::steady_clock::now();
  CHECK(answers.wait(10s).empty());
  CHECK(std::chrono::steady_clock::now() - started < 5s);  // did not wait for the bound
  loop.join();
}

TEST_CASE("a link that is down, or does not answer in time, is named", "[reload]") {
  SubscriptionAnswers answers;
  answers.expect("local")(true);
  answers.expect("ops")(false);  // not connected
  auto backup = answers.expect("backup");
  CHECK(answers.wait(30ms) == std::vector<std::string>{"ops", "backup"});
  backup(true);  // an answer after the wait gave up is harmless
}

TEST_CASE("a remote called local and the local link are two links", "[reload]") {
  SubscriptionAnswers answers;
  answers.expect("local")(true);          // the local broker
  auto remote = answers.expect("local");  // a remote of that name, down
  remote(false);
  remote(true);  // only the first answer counts
  const auto started = std::chrono::steady_clock::now();
  CHECK(answers.wait(10s) == std::vector<std::string>{"local"});
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("with nothing to wait for, the wait returns at once", "[reload]") {
  SubscriptionAnswers answers;
  CHECK(answers.wait(10s).empty());
}
