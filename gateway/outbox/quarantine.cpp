#include "outbox/quarantine.hpp"

#include <ctime>
#include <filesystem>
#include <system_error>

namespace edgebridge {

namespace fs = std::filesystem;

std::string utc_stamp(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string quarantine_database(const std::string& path, const std::string& label,
                                std::chrono::system_clock::time_point now, std::string& error) {
  std::error_code ec;
  const std::string base = path + "." + label + "-" + utc_stamp(now);
  std::string target = base;
  for (int n = 1; fs::exists(target, ec) || fs::exists(target + "-wal", ec); ++n) target = base + "-" + std::to_string(n);

  bool moved_main = false;
  if (fs::exists(path, ec)) {
    fs::rename(path, target, ec);
    if (ec) {
      error = ec.message();
      return {};
    }
    moved_main = true;
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string from = path + suffix;
    if (!fs::exists(from, ec)) continue;
    fs::rename(from, target + suffix, ec);
    if (ec) {
      // A journal that stays behind would be replayed into the fresh database.
      fs::remove(from, ec);
    }
  }
  if (!moved_main) {
    error = "file not found";
    return {};
  }
  return target;
}

}  // namespace edgebridge
