// The iTach reply parser and the ERR_ translation (adapters/ir_tcp/itach_reply.*).
#include <catch2/catch.hpp>

#include "ir_tcp/itach_reply.hpp"

using namespace edgebridge;
using namespace edgebridge::ir_tcp;

TEST_CASE("completeir and busyIR carry the connector and the sendir id", "[ir][reply]") {
  auto r = parse_itach_reply("completeir,1:3,4711\r");
  CHECK(r.kind == ItachReplyKind::complete);
  CHECK(r.has_connector);
  CHECK(r.module == 1);
  CHECK(r.connector == 3);
  CHECK(r.id == 4711);
  CHECK(r.text == "completeir,1:3,4711");

  auto b = parse_itach_reply("busyIR,1:1,7");
  CHECK(b.kind == ItachReplyKind::busy);
  CHECK(b.id == 7);
  CHECK(parse_itach_reply("BUSYIR,1:1,7").kind == ItachReplyKind::busy);
}

TEST_CASE("both ERR_ forms give the error number", "[ir][reply]") {
  auto newer = parse_itach_reply("ERR_1:1,010");
  CHECK(newer.kind == ItachReplyKind::error);
  CHECK(newer.has_connector);
  CHECK(newer.connector == 1);
  CHECK(newer.error_code == 10);
  auto older = parse_itach_reply("ERR_14");
  CHECK(older.kind == ItachReplyKind::error);
  CHECK_FALSE(older.has_connector);
  CHECK(older.error_code == 14);
  auto gc100 = parse_itach_reply("unknowncommand,3");
  CHECK(gc100.kind == ItachReplyKind::error);
  CHECK(gc100.gc100);
  CHECK(gc100.error_code == 3);
}

TEST_CASE("malformed or foreign lines are 'other', never a match", "[ir][reply]") {
  for (const char* line : {"", "completeir", "completeir,1:1", "completeir,1:1,", "completeir,1:1,x",
                           "completeir,1:1,5,6", "completeir,11,5", "busyIR,1:1,99999999", "ERR_", "ERR_1:1",
                           "ERR_1:1,", "ERR_x", "version,1,710-1005-05", "device,1,3 IR"}) {
    INFO(line);
    CHECK(parse_itach_reply(line).kind == ItachReplyKind::other);
  }
}

TEST_CASE("ERR_ codes are translated into words", "[ir][reply]") {
  CHECK(describe_itach_error(1) == "invalid command (the iTach does not know it)");
  CHECK(describe_itach_error(3) == "invalid connector address (no such connector)");
  CHECK(describe_itach_error(5) == "invalid carrier frequency");
  CHECK(describe_itach_error(10) == "odd number of on/off values (they must come in on,off pairs)");
  CHECK(describe_itach_error(14) == "blaster command sent to a connector that is not a blaster");
  CHECK(describe_itach_error(27) == "settings are locked");
  CHECK(describe_itach_error(99) == "unknown iTach error 99");
  CHECK(describe_itach_error(4, true) == "invalid connector address");
  for (int code = 1; code <= 27; ++code) CHECK_THAT(describe_itach_error(code), !Catch::Contains("unknown iTach"));
}
