// Framing a serial byte stream into lines (adapters/serial_line/line_framer.*).
#include <catch2/catch.hpp>

#include "serial_line/line_framer.hpp"

using namespace edgebridge;
using namespace edgebridge::serial_line;

namespace {

struct Collector {
  std::vector<LineFramer::Event> events;
  LineFramer::Emit emit() {
    return [this](const LineFramer::Event& e) { events.push_back(e); };
  }
};

void feed(LineFramer& f, const std::string& s, Collector& c) { f.feed(s.data(), s.size(), c.emit()); }

}  // namespace

TEST_CASE("lines are cut at the delimiter; a partial line waits for the rest", "[serial][framer]") {
  LineFramer f("\n", 100);
  Collector c;
  feed(f, "one\ntw", c);
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].text == "one");
  CHECK(f.buffered() == 2);
  feed(f, "o\nthree\n", c);
  REQUIRE(c.events.size() == 3);
  CHECK(c.events[1].text == "two");
  CHECK(c.events[2].text == "three");
  CHECK(f.buffered() == 0);
}

TEST_CASE("a multi-byte delimiter may arrive split across reads", "[serial][framer]") {
  LineFramer f("\r\n", 100);
  Collector c;
  feed(f, "a\r", c);
  CHECK(c.events.empty());
  feed(f, "\nb\r\n", c);
  REQUIRE(c.events.size() == 2);
  CHECK(c.events[0].text == "a");
  CHECK(c.events[1].text == "b");
}

TEST_CASE("an overlong line is dropped whole and reported once; the next line is clean", "[serial][framer]") {
  LineFramer f("\n", 10);
  Collector c;
  feed(f, "0123456789\n", c);  // exactly max_line: fine
  feed(f, std::string(25, 'x'), c);
  feed(f, std::string(25, 'y'), c);
  feed(f, "zz\nok\n", c);
  REQUIRE(c.events.size() == 3);
  CHECK_FALSE(c.events[0].overlong);
  CHECK(c.events[1].overlong);
  CHECK(c.events[1].length == 52);
  CHECK(c.events[1].text.substr(0, 3) == "xxx");
  CHECK_FALSE(c.events[2].overlong);
  CHECK(c.events[2].text == "ok");
  CHECK(f.buffered() == 0);
}

TEST_CASE("a line one byte over the maximum is overlong even when it arrives in one piece", "[serial][framer]") {
  LineFramer f("\n", 10);
  Collector c;
  feed(f, "01234567890\n", c);
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].overlong);
}

TEST_CASE("reset forgets a partial line", "[serial][framer]") {
  LineFramer f(";", 10);
  Collector c;
  feed(f, "par", c);
  f.reset();
  feed(f, "tial;", c);
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].text == "tial");
}
