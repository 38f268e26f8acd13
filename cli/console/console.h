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

// The files the console serves besides the API ("" = not installed).
struct ConsoleFiles {
  std::string pages_dir;  // FindConsolePages()
  std::string chart_js;   // FindChartJs()
};

// Routes one request: /api/... to HandleApi, /vendor/chart.js to Chart.js,
// GET of anything else to the pages (missing: a page saying what to install).
HttpAnswer HandleConsole(const ConsoleBackend& backend, const ConsoleFiles& files,
                         const HttpExchange& request);

// Finds the pages and serves the console on section.listen. A missing pages
// folder is not fatal (the API still serves; the pages say what to install);
// `pages_note` gets a sentence about it and about Chart.js. REQUIRES: section.listen is set.
Result<std::unique_ptr<ConsoleServer>> StartConsole(const config::ConsoleSection& section,
                                                    ConsoleBackend backend, std::string* pages_note);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_CONSOLE_H_
