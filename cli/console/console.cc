#include "cli/console/console.h"

#include "cli/console/pages.h"

namespace qcflow::console {

HttpAnswer HandleConsole(const ConsoleBackend& backend, const std::string& pages_dir,
                         const HttpExchange& request) {
  if (request.target.rfind("/api/", 0) == 0) return HandleApi(backend, request);
  if (request.method != "GET" && request.method != "HEAD") {
    HttpAnswer a = ErrorAnswer(405, "pages take GET; the API is under /api/v1/");
    a.headers.emplace_back("Allow", "GET, HEAD");
    return a;
  }
  if (pages_dir.empty()) {
    return HttpAnswer{404, "text/plain; charset=utf-8",
                      "the console's pages are not installed; the API is at /api/v1/status\n", {}};
  }
  return ServePage(pages_dir, ParseTarget(request.target).path);
}

Result<std::unique_ptr<ConsoleServer>> StartConsole(const config::ConsoleSection& section,
                                                    ConsoleBackend backend, std::string* pages_note) {
  std::string dir;
  if (auto found = FindConsolePages(); found.ok()) {
    dir = *found;
    *pages_note = "pages from " + dir;
  } else {
    *pages_note = found.status().message();
  }
  backend.token = section.token;
  backend.show_patient_names = section.show_patient_names;
  auto shared = std::make_shared<const ConsoleBackend>(std::move(backend));
  return ConsoleServer::Start(section.listen, [shared, dir](const HttpExchange& x) {
    return HandleConsole(*shared, dir, x);
  });
}

}  // namespace qcflow::console
