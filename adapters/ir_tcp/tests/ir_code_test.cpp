// The sendir builder/validator and the Pronto conversion (adapters/ir_tcp/ir_code.*).
#include <catch2/catch.hpp>

#include "ir_tcp/ir_code.hpp"

using namespace edgebridge;
using namespace edgebridge::ir_tcp;

namespace {

IrCode parsed(const std::string& text) {
  std::string why;
  auto code = parse_ir_code(text, why);
  INFO(why);
  REQUIRE(code);
  return *code;
}

std::string problem(const std::string& text) {
  std::string why;
  auto code = parse_ir_code(text, why);
  CHECK_FALSE(code);
  return why;
}

}  // namespace

TEST_CASE("a learned sendir code is read field by field and rebuilt with the id of each send", "[ir][sendir]") {
  IrCode c = parsed("sendir,1:3,5,38000,2,3,343,171,21,21,21,64,21,1517\r");
  CHECK(c.connector.module == 1);
  CHECK(c.connector.connector == 3);
  CHECK(c.id == 5);
  CHECK(c.frequency == 38000);
  CHECK(c.repeat == 2);
  CHECK(c.offset == 3);
  CHECK(c.timings == std::vector<int>{343, 171, 21, 21, 21, 64, 21, 1517});
  CHECK(c.sendir(4711) == "sendir,1:3,4711,38000,2,3,343,171,21,21,21,64,21,1517");
  CHECK(c.sendir(9, 7) == "sendir,1:3,9,38000,7,3,343,171,21,21,21,64,21,1517");
}

TEST_CASE("spaces around sendir fields are tolerated", "[ir][sendir]") {
  IrCode c = parsed("  sendir, 1:1 ,1, 40000 ,1,1, 96, 24 ");
  CHECK(c.sendir(2) == "sendir,1:1,2,40000,1,1,96,24");
}

TEST_CASE("the sendir validator enforces the iTach's ranges", "[ir][sendir]") {
  CHECK_THAT(problem("sendir,1:1,1,38000,1,1,343,171,21"), Catch::Contains("must be even"));
  CHECK_THAT(problem("sendir,1:1,1,14999,1,1,343,171"), Catch::Contains("15000-500000"));
  CHECK_THAT(problem("sendir,1:1,1,500001,1,1,343,171"), Catch::Contains("15000-500000"));
  CHECK(parsed("sendir,1:1,1,15000,1,1,343,171").frequency == 15000);
  CHECK(parsed("sendir,1:1,1,500000,1,1,343,171").frequency == 500000);
  CHECK_THAT(problem("sendir,1:1,1,38000,0,1,343,171"), Catch::Contains("repeat 0 is out of range"));
  CHECK_THAT(problem("sendir,1:1,1,38000,51,1,343,171"), Catch::Contains("1-50"));
  CHECK(parsed("sendir,1:1,1,38000,50,1,343,171").repeat == 50);
  CHECK_THAT(problem("sendir,1:1,65536,38000,1,1,343,171"), Catch::Contains("0-65535"));
  CHECK_THAT(problem("sendir,1:1,1,38000,1,2,343,171,21,21"), Catch::Contains("must be odd"));
  CHECK_THAT(problem("sendir,1:1,1,38000,1,5,343,171,21,21"), Catch::Contains("must be odd"));
  CHECK_THAT(problem("sendir,1:1,1,38000,1,1,343,0"), Catch::Contains("out of range 1-65535"));
  CHECK_THAT(problem("sendir,1:1,1,38000,1,1,343,x"), Catch::Contains("not a whole number"));
  CHECK_THAT(problem("sendir,1:1,1,38000,1,1"), Catch::Contains("needs"));
  CHECK_THAT(problem("sendir,1:1,1,38000,1,1,343,171,A,B"), Catch::Contains("compressed"));
}

TEST_CASE("the connector must be module:connector", "[ir][sendir]") {
  CHECK_THAT(problem("sendir,11,1,38000,1,1,343,171"), Catch::Contains("module:connector"));
  CHECK_THAT(problem("sendir,1:,1,38000,1,1,343,171"), Catch::Contains("module:connector"));
  CHECK_THAT(problem("sendir,a:1,1,38000,1,1,343,171"), Catch::Contains("module:connector"));
  CHECK_THAT(problem("sendir,0:1,1,38000,1,1,343,171"), Catch::Contains("out of range"));
  CHECK_THAT(problem("sendir,1:100,1,38000,1,1,343,171"), Catch::Contains("out of range"));
  std::string why;
  auto c = parse_connector("2:3", why);
  REQUIRE(c);
  CHECK(c->text() == "2:3");
}

TEST_CASE("more than 260 pairs is refused, as the iTach would", "[ir][sendir]") {
  std::string text = "sendir,1:1,1,38000,1,1";
  for (int i = 0; i < 261; ++i) text += ",10,10";
  CHECK_THAT(problem(text), Catch::Contains("at most 260"));
}

TEST_CASE("the play time counts the first play and the repeats from the offset", "[ir][sendir]") {
  // 1000 + 1000 + 2000 cycles at 40 kHz = 100 ms; each repeat from offset 3 adds 2000 cycles = 50 ms.
  IrCode c = parsed("sendir,1:1,1,40000,1,3,500,500,1000,1000");
  CHECK(c.play_time().count() == 75);
  CHECK(c.play_time(3).count() == 175);
}

TEST_CASE("Pronto hex: the frequency word gives 1e6 / (N * 0.241246) Hz", "[ir][pronto]") {
  // The Sony example of the Pronto format notes (N = 0x67 = 103 gives 40,244 Hz).
  IrCode c = parsed(
      "0000 0067 0000 000d 0060 0018 0030 0018 0030 0018 0030 0018 0030 0018 0018 0018 0030 0018 0018 0018 "
      "0030 0018 0018 0018 0018 0018 0018 0018 0018 03f6");
  CHECK(c.frequency == 40244);
  CHECK(c.offset == 1);  // no once sequence: repeats start at the beginning
  CHECK(c.timings.size() == 26);
  CHECK(c.timings.front() == 96);
  CHECK(c.timings.back() == 1014);
}

TEST_CASE("Pronto hex with once and repeat sequences converts to sendir with the offset at the repeat part",
          "[ir][pronto]") {
  // NEC address 0x04 command 0x08: 34 once pairs (leader, 32 bits, stop) and 2 repeat pairs, N = 0x6D.
  const std::string pronto =
      "0000 006D 0022 0002 0156 00AB 0015 0015 0015 0015 0015 0040 0015 0015 0015 0015 0015 0015 0015 0015 "
      "0015 0015 0015 0040 0015 0040 0015 0015 0015 0040 0015 0040 0015 0040 0015 0040 0015 0040 0015 0015 "
      "0015 0015 0015 0015 0015 0040 0015 0015 0015 0015 0015 0015 0015 0015 0015 0040 0015 0040 0015 0040 "
      "0015 0015 0015 0040 0015 0040 0015 0040 0015 0040 0015 05ED 0156 0055 0015 0E47";
  IrCode c = parsed(pronto);
  CHECK(c.sendir(1) ==
        "sendir,1:1,1,38029,1,69,342,171,21,21,21,21,21,64,21,21,21,21,21,21,21,21,21,21,21,64,21,64,21,21,21,64,"
        "21,64,21,64,21,64,21,64,21,21,21,21,21,21,21,64,21,21,21,21,21,21,21,21,21,64,21,64,21,64,21,21,21,64,21,"
        "64,21,64,21,64,21,1517,342,85,21,3655");
}

TEST_CASE("bad Pronto hex is refused with the reason", "[ir][pronto]") {
  CHECK_THAT(problem("0100 006D 0001 0000 0010 0010"), Catch::Contains("learned"));
  CHECK_THAT(problem("0000 0000 0001 0000 0010 0010"), Catch::Contains("frequency word"));
  CHECK_THAT(problem("0000 006D 0002 0000 0010 0010"), Catch::Contains("counts say"));
  CHECK_THAT(problem("0000 006D 0001 0000 0010 001"), Catch::Contains("four hex digits"));
  CHECK_THAT(problem("0000 006D 0001 0000 0010 0000"), Catch::Contains("out of range 1-65535"));
  CHECK_THAT(problem("0000 0008 0001 0000 0010 0010"), Catch::Contains("15000-500000"));  // 518 kHz
}
