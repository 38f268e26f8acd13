#include "cli/console/pages.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace qcflow::console {
namespace fs = std::filesystem;

Result<std::string> FindConsolePages() {
  std::vector<fs::path> candidates;
  if (const char* data = std::getenv("QCFLOW_DATA_DIR"); data && *data) {
    candidates.push_back(fs::path(data) / "console");
  }
  std::error_code ec;
  const fs::path bin = fs::read_symlink("/proc/self/exe", ec).parent_path();
  if (!ec) {
    candidates.push_back(bin.parent_path() / "share/qcflow/console");
    candidates.push_back(bin / "share/qcflow/console");
  }
  std::string tried;
  for (const fs::path& dir : candidates) {
    if (fs::is_regular_file(dir / "index.html", ec)) return dir.lexically_normal().string();
    tried += (tried.empty() ? "" : ", ") + dir.lexically_normal().string();
  }
  return Status::NotFound("the console's pages are not installed (looked in " + tried +
                          "); run cmake --install, or set QCFLOW_DATA_DIR to a folder holding "
                          "console/index.html");
}

namespace {

bool Servable(const std::string& name, std::string* type) {
  const size_t dot = name.rfind('.');
  if (dot == 0 || dot == std::string::npos) return false;
  for (size_t i = 0; i < dot; ++i) {
    const char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  const std::string ext = name.substr(dot);
  if (ext == ".html") *type = "text/html; charset=utf-8";
  else if (ext == ".js") *type = "text/javascript; charset=utf-8";
  else if (ext == ".css") *type = "text/css; charset=utf-8";
  else return false;
  return true;
}

// The whole file into *body; false when it cannot be opened or read. (An
// ifstream that was never opened is not in a failed state: test is_open().)
bool ReadFile(const fs::path& path, std::string* body) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open() || !in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *body = ss.str();
  return true;
}

}  // namespace

HttpAnswer ServePage(const std::string& dir, const std::string& path) {
  const std::string name = path == "/" ? "index.html" : path.substr(path.empty() ? 0 : 1);
  HttpAnswer a;
  if (!Servable(name, &a.content_type) || !ReadFile(fs::path(dir) / name, &a.body)) {
    a.status = 404;
    a.content_type = "text/plain; charset=utf-8";
    a.body = "not found: " + path +
             " (the console's pages are /, /trends.html, /icom.html, /log.html, /dead-letters.html)\n";
  }
  return a;
}

Result<std::string> FindChartJs() {
  std::vector<fs::path> candidates;
  if (const char* own = std::getenv("QCFLOW_CHARTJS"); own && *own) candidates.push_back(own);
  // The names Debian's libjs-chart.js has shipped (UMD builds; the ESM
  // builds cannot load from a plain <script>).
  for (const char* name : {"chart.umd.min.js", "chart.umd.js", "chart.min.js", "chart.js"}) {
    candidates.push_back(fs::path("/usr/share/javascript/chart.js") / name);
  }
  std::error_code ec;
  for (const fs::path& file : candidates) {
    if (fs::is_regular_file(file, ec)) return file.string();
  }
  return Status::NotFound(
      "Chart.js not found (apt-get install libjs-chart.js, or set QCFLOW_CHARTJS to chart.min.js); "
      "the trends and iCom pages show tables without charts");
}

HttpAnswer ServeChartJs(const std::string& path) {
  HttpAnswer a;
  a.content_type = "text/javascript; charset=utf-8";
  if (path.empty() || !ReadFile(path, &a.body)) {
    return HttpAnswer{404, "text/plain; charset=utf-8",
                      "Chart.js is not installed on this server: apt-get install libjs-chart.js\n",
                      {}};
  }
  return a;
}

}  // namespace qcflow::console
