#include "cli/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace edgebridge {

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("edgebridge");
  // journald stamps lines itself; elsewhere print a UTC timestamp.
  if (std::getenv("JOURNAL_STREAM") != nullptr)
    logger->set_pattern("%l %v");
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace edgebridge
