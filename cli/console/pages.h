// The console's pages: plain HTML, JS and CSS files (cli/console/pages/, no
// build step), installed as <prefix>/share/qcflow/console/ and copied by the
// build to <build>/share/qcflow/console/.
#ifndef QCFLOW_CLI_CONSOLE_PAGES_H_
#define QCFLOW_CLI_CONSOLE_PAGES_H_

#include <string>

#include "cli/console/http_types.h"
#include "store/status.h"

namespace qcflow::console {

// The pages folder, looked for in this order: $QCFLOW_DATA_DIR/console;
// <directory of the running binary>/../share/qcflow/console (an install, or
// the build tree); <directory of the running binary>/share/qcflow/console.
// NotFound lists every folder tried and how to install the pages.
Result<std::string> FindConsolePages();

// GET `path` from `dir`: "/" is index.html; only names made of a-z, 0-9 and
// '-' ending in .html, .js or .css are served (no folders, so nothing outside
// `dir`); anything else is a 404 page.
HttpAnswer ServePage(const std::string& dir, const std::string& path);

// Chart.js for the trends page, from Debian's libjs-chart.js (never vendored):
// $QCFLOW_CHARTJS if set, else the package's files under
// /usr/share/javascript/chart.js/. NotFound says what to install; the trends
// page then shows its table without a chart.
Result<std::string> FindChartJs();

// GET /vendor/chart.js: the file at `path` ("" = not found: a 404 naming the
// package to install).
HttpAnswer ServeChartJs(const std::string& path);

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_PAGES_H_
