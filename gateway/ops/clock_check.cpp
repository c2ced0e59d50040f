#include "ops/clock_check.hpp"

#include <sys/timex.h>

#include <cstdlib>
#include <ctime>
#include <fstream>

#include "core/build_info.hpp"

namespace edgebridge {
namespace {

std::string utc_text(std::int64_t seconds, const char* format) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::optional<ClockReading> system_reading() {
  ClockReading r;
  r.now_seconds = static_cast<std::int64_t>(std::time(nullptr));
  timex tx{};
  // TIME_ERROR (or -1) means the kernel has not been told the time is right.
  const int state = ::adjtimex(&tx);
  r.synchronised = state >= 0 && state != TIME_ERROR;
  return r;
}

std::optional<ClockReading> file_reading(const std::string& path) {
  std::ifstream in(path);
  long long seconds = 0;
  if (!(in >> seconds)) return std::nullopt;
  ClockReading r;
  r.now_seconds = static_cast<std::int64_t>(seconds);
  r.synchronised = false;
  return r;
}

}  // namespace

std::string clock_problem(const ClockReading& reading, std::int64_t build_epoch_seconds) {
  if (reading.synchronised || reading.now_seconds >= build_epoch_seconds) return {};
  return "the clock says " + utc_text(reading.now_seconds, "%Y-%m-%dT%H:%M:%SZ") +
         ", before this build (" + utc_text(build_epoch_seconds, "%Y-%m-%d") +
         "), and is not synchronised; TLS certificates would look not yet valid. Waiting for NTP "
         "(devices are read and messages stored meanwhile)";
}

ClockCheck::ClockCheck() : build_epoch_seconds_(build_epoch_seconds()) {
  if (const char* path = std::getenv("EDGEBRIDGE_CLOCK_FILE"); path && *path) {
    source_ = [file = std::string(path)] { return file_reading(file); };
  } else {
    source_ = system_reading;
  }
}

ClockCheck::ClockCheck(Source source, std::int64_t build_epoch) : source_(std::move(source)), build_epoch_seconds_(build_epoch) {}

std::string ClockCheck::problem() const {
  auto reading = source_();
  if (!reading) return "the clock cannot be read";
  return clock_problem(*reading, build_epoch_seconds_);
}

}  // namespace edgebridge
