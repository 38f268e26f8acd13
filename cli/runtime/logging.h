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
#include "export/qatrack/http_client.h"
#include "store/status.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace qcflow::cli {

// Replaces spdlog's default logger. Creates the log file's directory if missing.
// InvalidArgument for an unknown level; IOError (with what to do) when the
// file cannot be opened.
Status SetUpLogging(const config::LogSection& log);

// The logger of one component ([[source.*]], [[sink.*]]): the default logger's
// sinks and format under the component's name, at its own `log_level` when it
// has one (else the default logger's level). Call after SetUpLogging.
std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& name,
                                                const std::map<std::string, std::string>& levels);

// Flushes and drops every logger (call once, at exit).
void ShutDownLogging();

// "https://host:8443/api" from "https://user:pw@host:8443/api?x=y".
using qatrack::SafeUrl;  // export/qatrack/http_client.h

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_LOGGING_H_
