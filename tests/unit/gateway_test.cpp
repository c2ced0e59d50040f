// The gateway with fake endpoints (app/endpoints.hpp): what it routes where,
// with which receipt, in which order things start and stop, and what a reload
// keeps. The outbox underneath is the real one, in a scratch directory.
#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>

#include "app/gateway.hpp"
#include "loader/loader.hpp"
#include "outbox_test_support.hpp"

using namespace edgebridge;
using namespace edgebridge::test;
using namespace std::chrono_literals;

namespace {

// What every fake did, in order, across threads.
struct World {
  std::mutex m;
  std::vector<std::string> events;
  std::vector<Message> local_published;
  std::vector<std::tuple<std::string, Message, std::uint64_t>> enqueued;  // remote, message, receipt
  std::map<std::string, OutboxQueue*> queues;
  LocalEndpoint::Handler local_handler;
  std::map<std::string, RemoteHooks> remote_hooks;
  int holds = 0, releases = 0;

  void note(std::string e) {
    std::lock_guard<std::mutex> lock(m);
    events.push_back(std::move(e));
  }
  std::vector<std::string> all_events() {
    std::lock_guard<std::mutex> lock(m);
    return events;
  }
};

class FakeLocal final : public LocalEndpoint, public ReleaseSink {
 public:
  FakeLocal(World& w, Handler h) : w_(w) { w_.local_handler = std::move(h); }
  void start() override { w_.note("local start"); }
  void stop(std::chrono::milliseconds, StopDone done) override {
    w_.note("local stop");
    done();
  }
  void set_subscriptions(std::vector<Subscription> subs) override {
    std::string text = "local subscribe";
    for (const auto& s : subs) text += " " + s.filter;
    w_.note(text);
  }
  void when_subscribed(std::function<void(bool)> done) override { done(true); }
  bool publish(const Message& m) override {
    std::lock_guard<std::mutex> lock(w_.m);
    w_.local_published.push_back(m);
    w_.events.push_back("local publish " + m.topic);
    return true;
  }
  ReleaseSink& releases() override { return *this; }
  void pause_reading(bool paused) override { w_.note(paused ? "local pause" : "local resume"); }
  LinkStatus status() const override { return {}; }
  void hold(std::uint64_t) override { ++w_.holds; }
  void release(std::uint64_t) override { ++w_.releases; }

 private:
  World& w_;
};

class FakeRemote final : public RemoteEndpoint {
 public:
  FakeRemote(World& w, const RemoteConfig& c, OutboxQueue& q, RemoteHooks hooks) : w_(w), name_(c.name), queue_(q) {
    std::lock_guard<std::mutex> lock(w_.m);
    w_.queues[name_] = &q;
    w_.remote_hooks[name_] = std::move(hooks);
    w_.events.push_back("remote create " + name_);
  }
  const std::string& name() const override { return name_; }
  void start() override { w_.note("remote start " + name_); }
  void stop(std::chrono::milliseconds, StopDone done) override {
    w_.note("remote stop " + name_);
    done();
  }
  void set_subscriptions(std::vector<Subscription>) override {}
  void when_subscribed(std::function<void(bool)> done) override { done(true); }
  Delivery enqueue(Message m, std::uint64_t receipt) override {
    std::lock_guard<std::mutex> lock(w_.m);
    w_.events.push_back("remote enqueue " + name_ + " " + m.topic);
    w_.enqueued.emplace_back(name_, std::move(m), receipt);
    return Delivery::ok;
  }
  void reload_tls(const TlsConfig&) override {}
  LinkStatus status() const override { return {}; }
  OutboxCounters counters() const override { return queue_.counters(); }

 private:
  World& w_;
  std::string name_;
  OutboxQueue& queue_;
};

// A device that answers every command with a result, from inside command().
class FakeDevice final : public DeviceEndpoint {
 public:
  FakeDevice(World& w, std::string name, std::string topic) : w_(w), name_(std::move(name)), topic_(std::move(topic)) {}
  const std::string& name() const override { return name_; }
  void start(Ingress& ingress) override {
    ingress_ = &ingress;
    w_.note("device start " + name_);
  }
  void stop() override { w_.note("device stop " + name_); }
  Delivery command(const Message& m) override {
    w_.note("device command begins " + m.payload);
    Message result;
    result.topic = topic_ + "/result";
    result.payload = "done " + m.payload;
    ingress_->ingest(Source::device(name_), result);
    w_.note("device command ends " + m.payload);
    return Delivery::ok;
  }
  Delivery invoke(const std::string&, const nlohmann::json&, std::string&) override { return Delivery::ok; }

 private:
  World& w_;
  std::string name_, topic_;
  Ingress* ingress_ = nullptr;
};

class FakeFactory final : public EndpointFactory {
 public:
  explicit FakeFactory(World& w) : w_(w) {}
  std::unique_ptr<LocalEndpoint> local(EventLoop&, const Config&, OutboxStore&, LocalEndpoint::Handler h) override {
    return std::make_unique<FakeLocal>(w_, std::move(h));
  }
  std::unique_ptr<RemoteEndpoint> remote(EventLoop&, const RemoteConfig& r, const GatewaySettings&, OutboxQueue& q,
                                         RemoteHooks hooks) override {
    return std::make_unique<FakeRemote>(w_, r, q, std::move(hooks));
  }
  std::unique_ptr<DeviceEndpoint> device(const DeviceConfig& d) override {
    return std::make_unique<FakeDevice>(w_, d.name, d.topic);
  }

 private:
  World& w_;
};

// A device kind whose devices take commands on their own topic (as the real
// adapters do); the factory above creates the endpoints.
class CommandKind final : public DeviceKind {
 public:
  std::string type() const override { return "fake_ir"; }
  std::shared_ptr<const DeviceSettings> parse(MapReader&, DeviceConfig& device) const override {
    device.command_filters = {device.topic};
    return std::make_shared<DeviceSettings>();
  }
  std::unique_ptr<DeviceEndpoint> create(const DeviceConfig&) const override { return nullptr; }
};

const DeviceCatalog& catalog() {
  static const DeviceCatalog kinds = {std::make_shared<CommandKind>()};
  return kinds;
}

Config load(const std::string& yaml, const ScratchDir& dir) {
  LoadOptions options;
  options.check_files = false;
  options.default_gateway_id = "unit-gw";
  auto r = load_config_text("gateway: { state_dir: " + dir.path().string() + ", metrics: false }\n" + yaml,
                            "bridge.yaml", catalog(), options);
  INFO(r.diagnostics.format_all());
  REQUIRE(r.config);
  return std::move(*r.config);
}

const std::string kTwoRemotes = R"(
remotes:
  ops: { url: "mqtts://ops.example.com", tls: { ca_file: /ca.pem } }
  audit: { url: "mqtts://audit.example.com", tls: { ca_file: /ca.pem } }
topics:
  - { pattern: "sensors/#", direction: out, remote: ops }
  - { pattern: "logs/#", direction: out, remote: audit }
devices:
  - { name: shade, type: fake_ir, topic: cmd/shade }
)";

Message message(std::string topic, std::string payload, int qos = 1) {
  Message m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.qos = qos;
  return m;
}

// Runs `task` on the gateway's loop and waits for everything it posted.
void on_loop(Gateway& gw, const std::function<void()>& task) {
  REQUIRE(gw.loop().call(task));
  REQUIRE(gw.loop().call([] {}));
}

std::size_t index_of(const std::vector<std::string>& events, const std::string& e) {
  return static_cast<std::size_t>(std::find(events.begin(), events.end(), e) - events.begin());
}

}  // namespace

TEST_CASE("a local message goes to the remote its mapping names, with the broker's receipt", "[gateway]") {
  ScratchDir dir;
  World w;
  Gateway gw(load(kTwoRemotes, dir), std::make_unique<FakeFactory>(w));
  gw.start();
  on_loop(gw, [&] {
    w.local_handler(message("sensors/lux", "1"), 41);
    w.local_handler(message("logs/boot", "2"), 42);
    w.local_handler(message("other/x", "3"), 43);
  });
  {
    std::lock_guard<std::mutex> lock(w.m);
    REQUIRE(w.enqueued.size() == 2);
    CHECK(std::get<0>(w.enqueued[0]) == "ops");
    CHECK(std::get<1>(w.enqueued[0]).topic == "sensors/lux");
    CHECK(std::get<2>(w.enqueued[0]) == 41);
    CHECK(std::get<0>(w.enqueued[1]) == "audit");
    CHECK(std::get<2>(w.enqueued[1]) == 42);
  }
  CHECK(gw.counters().received_local == 3);
  CHECK(gw.counters().unrouted == 1);
  gw.stop();
}

TEST_CASE("a result a device publishes inside its command is routed after the command returned", "[gateway]") {
  ScratchDir dir;
  World w;
  Gateway gw(load(kTwoRemotes, dir), std::make_unique<FakeFactory>(w));
  gw.start();
  on_loop(gw, [&] { w.local_handler(message("cmd/shade", "close"), 7); });
  REQUIRE(eventually([&] {
    std::lock_guard<std::mutex> lock(w.m);
    return !w.local_published.empty();
  }));
  const auto events = w.all_events();
  const auto ends = index_of(events, "device command ends close");
  const auto published = index_of(events, "local publish cmd/shade/result");
  REQUIRE(ends < events.size());
  REQUIRE(published < events.size());
  CHECK(ends < published);  // queued until the outer dispatch returned, not delivered inside it
  auto activity = gw.device_activity();
  REQUIRE(activity["shade"].last_command);
  CHECK(activity["shade"].last_command->payload == "close");
  REQUIRE(activity["shade"].last_message);
  CHECK(activity["shade"].last_message->payload == "done close");
  gw.stop();
}

TEST_CASE("start brings up the remotes before the local link, stop takes input down first", "[gateway]") {
  ScratchDir dir;
  World w;
  {
    Gateway gw(load(kTwoRemotes, dir), std::make_unique<FakeFactory>(w));
    gw.start();
    gw.stop();
  }
  const auto e = w.all_events();
  CHECK(index_of(e, "remote start ops") < index_of(e, "local start"));
  CHECK(index_of(e, "local start") < index_of(e, "device start shade"));
  CHECK(index_of(e, "device stop shade") < index_of(e, "local stop"));
  CHECK(index_of(e, "local pause") < index_of(e, "local stop"));
  CHECK(index_of(e, "local stop") < index_of(e, "remote stop ops"));
  CHECK(index_of(e, "local stop") < index_of(e, "remote stop audit"));
}

TEST_CASE("a reload replaces a changed remote on the same outbox queue and drops a removed one", "[gateway]") {
  ScratchDir dir;
  World w;
  Gateway gw(load(kTwoRemotes, dir), std::make_unique<FakeFactory>(w));
  gw.start();
  OutboxQueue* before = nullptr;
  {
    std::lock_guard<std::mutex> lock(w.m);
    before = w.queues.at("ops");
  }
  const auto diff = gw.reload(load(R"(
remotes:
  ops: { url: "mqtts://ops.example.com", keepalive: 60s, tls: { ca_file: /ca.pem } }
topics:
  - { pattern: "sensors/#", direction: out, remote: ops }
devices:
  - { name: shade, type: fake_ir, topic: cmd/shade }
)",
                                   dir));
  CHECK(diff.remotes_changed == std::vector<std::string>{"ops"});
  CHECK(diff.remotes_removed == std::vector<std::string>{"audit"});
  const auto e = w.all_events();
  CHECK(std::count(e.begin(), e.end(), "remote create ops") == 2);
  CHECK(index_of(e, "remote stop audit") < e.size());
  {
    std::lock_guard<std::mutex> lock(w.m);
    CHECK(w.queues.at("ops") == before);  // what was stored for ops is still there
  }
  on_loop(gw, [&] { w.local_handler(message("logs/boot", "after"), 9); });
  {
    std::lock_guard<std::mutex> lock(w.m);
    for (const auto& [remote, m, receipt] : w.enqueued) CHECK(remote != "audit");
  }
  gw.stop();
}
