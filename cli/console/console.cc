#include "cli/console/console.h"

#include "cli/console/pages.h"

namespace qcflow::console {

HttpAnswer HandleConsole(const ConsoleBackend& backend, const ConsoleFiles& files,
                         const HttpExchange& request) {
  if (request.target.rfind("/api/", 0) == 0) return HandleApi(backend, request);
  if (request.method != "GET" && request.method != "HEAD") {
    HttpAnswer a = ErrorAnswer(405, "pages take GET; the API is under /api/v1/");
    a.headers.emplace_back("Allow", "GET, HEAD");
    return a;
  }
  const std::string path = ParseTarget(request.target).path;
  if (path == "/vendor/chart.js") return ServeChartJs(files.chart_js);
  if (files.pages_dir.empty()) {
    return HttpAnswer{404, "text/plain; charset=utf-8",
                      "the console's pages are not installed; the API is at /api/v1/status\n", {}};
  }
  return ServePage(files.pages_dir, path);
}

Result<std::unique_ptr<ConsoleServer>> StartConsole(const config::ConsoleSection& section,
                                                    ConsoleBackend backend, std::string* pages_note) {
  ConsoleFiles files;
  if (auto found = FindConsolePages(); found.ok()) {
    files.pages_dir = *found;
    *pages_note = "pages from " + files.pages_dir;
  } else {
    *pages_note = found.status().message();
  }
  if (auto chart = FindChartJs(); chart.ok()) {
    files.chart_js = *chart;
    *pages_note += "; charts from " + files.chart_js;
  } else {
    *pages_note += "; " + chart.status().message();
  }
  backend.token = section.token;
  backend.show_patient_names = section.show_patient_names;
  auto shared = std::make_shared<const ConsoleBackend>(std::move(backend));
  return ConsoleServer::Start(section.listen, [shared, files](const HttpExchange& x) {
    return HandleConsole(*shared, files, x);
  });
}

}  // namespace qcflow::console
