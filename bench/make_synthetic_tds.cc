// make_synthetic_tds: writes a synthetic MPC TDS tree (see bench/synthetic_tds.h)
// for the demo, manual testing and benchmarks.
//   make_synthetic_tds DIR --folders N [--serials 2] [--seed S] [--start 2024-01-02]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/synthetic_tds.h"

namespace {

int Usage(const char* error) {
  if (error) std::fprintf(stderr, "make_synthetic_tds: %s\n", error);
  std::fprintf(error ? stderr : stdout,
               "usage: make_synthetic_tds DIR --folders N [--serials 2] [--seed S] "
               "[--start YYYY-MM-DD]\n"
               "Writes DIR/TrueBeam<serial>/MPCChecks/<run folder>/Results.csv for N run\n"
               "folders (DIR must be new or empty). Same options, same bytes.\n");
  return error ? 2 : 0;
}

bool ParseNumber(const std::string& text, unsigned long long* out) {
  if (text.empty() || text[0] == '-') return false;
  char* end = nullptr;
  *out = std::strtoull(text.c_str(), &end, 10);
  return end != nullptr && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  qcflow::synthetic::SyntheticTdsOptions options;
  std::string dir;
  bool have_folders = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") return Usage(nullptr);
    if (arg.rfind("--", 0) == 0) {
      if (i + 1 >= argc) return Usage((arg + " needs a value").c_str());
      const std::string value = argv[++i];
      unsigned long long n = 0;
      if (arg == "--start") {
        options.start = value;
      } else if (!ParseNumber(value, &n)) {
        return Usage((arg + " needs a non-negative number, not '" + value + "'").c_str());
      } else if (arg == "--folders") {
        options.folders = size_t(n);
        have_folders = true;
      } else if (arg == "--serials") {
        options.serials = n > 1000 ? 1000 : int(n);
      } else if (arg == "--seed") {
        options.seed = n;
      } else {
        return Usage(("unknown option " + arg).c_str());
      }
    } else if (dir.empty()) {
      dir = arg;
    } else {
      return Usage(("unexpected argument " + arg).c_str());
    }
  }
  if (dir.empty()) return Usage("DIR is required");
  if (!have_folders) return Usage("--folders N is required");
  auto report = qcflow::synthetic::WriteSyntheticTds(dir, options);
  if (!report.ok()) {
    std::fprintf(stderr, "make_synthetic_tds: %s\n", report.status().message().c_str());
    return 1;
  }
  std::printf("wrote %zu run folders (%zu rows, %.1f MB) under %s; a transform should emit "
              "%zu sessions (20 min window)\n",
              report->folders, report->rows, double(report->bytes) / 1e6, dir.c_str(),
              report->sessions);
  return 0;
}
