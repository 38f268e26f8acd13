// Logging for `qcflow run`: spdlog's default logger writes to stderr and, when
// [log].file is set, to a size-rotated file. Other code logs through
// spdlog::info/warn/... (the default logger), so tests that never call
// SetUpLogging still see the daemon's lines on the console.
//
// Secrets: nothing here redacts. Callers never pass configs wholesale; URLs go
// through SafeUrl (drops user:password@ and the query).
#ifndef QCFLOW_CLI_RUNTIME_LOGGING_H_
#define QCFLOW_CLI_RUNTIME_LOGGING_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "cli/runtime/config.h"
#include "cli/runtime/log_tail.h"
#include "store/status.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace qcflow::cli {

// Replaces spdlog's default logger. Creates the log file's directory if missing.
// InvalidArgument for an unknown level; IOError (with what to do) when the
// file cannot be opened.
Status SetUpLogging(const config::LogSection& log);

// The last lines of each logger (200 per logger) since SetUpLogging, for the
// console's log page. Lives until the process exits.
LogTail& RecentLog();

// Flushes and drops every logger (call once, at exit).
void ShutDownLogging();

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_LOGGING_H_
