// The batch counters as a user reads them: /metrics and /stats.
#include <catch2/catch.hpp>

#include "observe/metrics_text.hpp"
#include "observe/stats_json.hpp"

using namespace edgebridge;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

GatewaySnapshot batching_remote() {
  GatewaySnapshot s;
  s.id = "greenhouse-1";
  RemoteSnapshot ops;
  ops.name = "ops";
  ops.outbox.sent = 1000;        // readings, alone or in a batch
  ops.outbox.batches_sent = 10;  // publishes that carried them
  ops.outbox.batch_entries = 1000;
  ops.outbox.batch_bytes = 61'440;
  s.remotes.push_back(ops);
  return s;
}

}  // namespace

TEST_CASE("/metrics counts batches sent and the entries and bytes they carried", "[observe][metrics][batch]") {
  const std::string text = render_metrics(batching_remote());
  INFO(text);
  CHECK(has_line(text, "# TYPE edgebridge_outbox_batches_sent_total counter"));
  CHECK(has_line(text, "edgebridge_outbox_batches_sent_total{remote=\"ops\"} 10"));
  CHECK(has_line(text, "# TYPE edgebridge_outbox_batch_entries_total counter"));
  CHECK(has_line(text, "edgebridge_outbox_batch_entries_total{remote=\"ops\"} 1000"));
  CHECK(has_line(text, "edgebridge_outbox_batch_bytes_total{remote=\"ops\"} 61440"));
  CHECK(has_line(text, "edgebridge_outbox_sent_total{remote=\"ops\"} 1000"));
}

TEST_CASE("/stats has the batch counters per remote", "[observe][batch]") {
  const auto json = stats_json(batching_remote());
  INFO(json.dump(2));
  const auto& ops = json.at("remotes").at("ops").at("outbox");
  CHECK(ops.at("batches_sent") == 10);
  CHECK(ops.at("batch_entries") == 1000);
  CHECK(ops.at("batch_bytes") == 61440);
}
