// The web console of `qcflow run` ([console] in qcflow.toml): the read API
// (console_api.h) and the pages (pages.h) on one loopback listener.
#ifndef QCFLOW_CLI_CONSOLE_CONSOLE_H_
#define QCFLOW_CLI_CONSOLE_CONSOLE_H_

#include <memory>
#include <string>

#include "cli/console/console_api.h"
#include "cli/console/console_server.h"
#include "cli/runtime/config.h"

namespace qcflow::console {

// Routes one request: /api/... to HandleApi, GET of anything else to the
// pages in `pages_dir` ("" = not installed: a page saying so).
HttpAnswer HandleConsole(const ConsoleBackend& backend, const std::string& pages_dir,
                         const HttpExchange& request);

// Finds the pages and serves the console on section.listen. A missing pages
// folder is not fatal (the API still serves; the pages say what to install);
// `pages_note` gets a sentence about it. REQUIRES: section.listen is set.
Result<std::unique_ptr<ConsoleServer>> StartConsole(const config::ConsoleSection& section,
                                                    ConsoleBackend backend, std::string* pages_note);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_CONSOLE_H_
