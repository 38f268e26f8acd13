#include "cli/runtime/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace qcflow::cli {

Status SetUpLogging(const config::LogSection& log) {
  spdlog::level::level_enum level = spdlog::level::from_str(log.level);
  if (level == spdlog::level::off && log.level != "off") {
    return Status::InvalidArgument("[log].level '" + log.level +
                                   "' is not one of trace, debug, info, warn, error");
  }
  std::vector<spdlog::sink_ptr> sinks;
  // stderr, uncoloured: under systemd it lands in the journal as plain text.
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  sinks.push_back(RecentLog().Sink());
  if (!log.file.empty()) {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(log.file).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          log.file, log.max_size_mb * 1024 * 1024, log.max_files));
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IOError("cannot open the log file " + log.file + " (" + e.what() +
                             "); create its directory with write access for qcflow, or change "
                             "[log].file");
    }
  }
  auto logger = std::make_shared<spdlog::logger>("qcflow", sinks.begin(), sinks.end());
  logger->set_level(level);
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %z %-5l %v");
  // Lines are rare (state changes, summaries): flushing each one costs nothing
  // and a crash or `tail -f` never misses the last words.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
  return Status::OK();
}

LogTail& RecentLog() {
  // Never destroyed: loggers spdlog still holds at exit may point at its sink.
  static LogTail* tail = new LogTail(200);
  return *tail;
}

void ShutDownLogging() {
  if (auto logger = spdlog::default_logger()) logger->flush();
  spdlog::shutdown();
}

}  // namespace qcflow::cli
