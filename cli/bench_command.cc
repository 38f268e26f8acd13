// `qcflow bench <journal|icom|mpc|dqa3|export|all>`: throughput on this
// machine, self-contained (simulated linacs, synthetic TDS trees, the local
// QATrack+ test server; all on 127.0.0.1), in scratch directories that are
// removed afterwards. Prints a one-screen summary (table) or a JSON report
// that can be kept and compared (docs/benchmarks.md explains both).
#include <CLI/CLI.hpp>
#include <pthread.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bench/bench_dir.h"
#include "cli/bench_command.h"
#include "cli/command.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/version.h"
#include "store/time_util.h"

namespace qcflow::cli {
namespace {

using Runner = Result<BenchModeResult> (*)(const BenchSettings&, const std::string&,
                                           const BenchProgress&);
struct Mode {
  const char* name;
  Runner run;
};
constexpr Mode kModes[] = {{"journal", RunJournalMode}, {"icom", RunIcomMode},
                           {"mpc", RunMpcMode},         {"dqa3", RunDqa3Mode},
                           {"export", RunExportMode}};

// Ctrl-C / SIGTERM while benchmarking: the running mode ends early (icom at its
// next poll; the others are short), later modes are skipped, and the scratch
// directories are removed as usual (they may hold gigabytes). The signals are
// blocked before any thread starts and taken by one watcher thread.
class InterruptWatch {
 public:
  InterruptWatch() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this] {
      const timespec tick{0, 200'000'000};
      while (!done_) {
        if (sigtimedwait(&set_, nullptr, &tick) > 0) interrupted_ = true;
      }
    });
  }
  ~InterruptWatch() {
    done_ = true;
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  bool interrupted() const { return interrupted_; }

 private:
  sigset_t set_, old_;
  std::atomic<bool> done_{false}, interrupted_{false};
  std::thread thread_;
};

struct BenchArgs {
  std::string what;
  std::string format = "table";
  BenchSettings settings;
};

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

nlohmann::json Machine() {
  struct utsname u {};
  ::uname(&u);
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  double load[3] = {0, 0, 0};
  ::getloadavg(load, 3);
  return {{"cpus", ::sysconf(_SC_NPROCESSORS_ONLN)},
          {"cpu_model", CpuModel()},
          {"memory_bytes", double(pages) * double(page)},
          {"kernel", std::string(u.sysname) + " " + u.release},
          {"load_average_1min_at_start", load[0]}};
}

nlohmann::json ToJson(const BenchModeResult& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (const BenchRow& r : m.rows) {
    rows.push_back({{"measurement", r.measurement}, {"value", r.value}, {"unit", r.unit},
                    {"note", r.note}});
  }
  nlohmann::json j = {{"mode", m.mode}, {"available", m.available}, {"seconds", m.seconds},
                      {"results", rows}, {"notes", m.notes}};
  if (!m.available) j["unavailable_reason"] = m.unavailable_reason;
  return j;
}

std::string Number(double v) {
  std::ostringstream o;
  const double a = v < 0 ? -v : v;
  const bool whole = v == double(static_cast<long long>(v));
  o << std::fixed << std::setprecision(whole || a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3) << v;
  return o.str();
}

void PrintSummary(const std::vector<BenchModeResult>& modes, std::ostream& out) {
  Table t({"mode", "measurement", "value", "unit", "note"});
  for (const BenchModeResult& m : modes) {
    if (!m.available) {
      t.AddRow({Cell::Text(m.mode), Cell::Text("—"), Cell::Text(""), Cell::Text(""),
                Cell::Text(m.unavailable_reason)});
      continue;
    }
    for (const BenchRow& r : m.rows) {
      t.AddRow({Cell::Text(m.mode), Cell::Text(r.measurement), Cell::Text(Number(r.value)),
                Cell::Text(r.unit), Cell::Text(r.note)});
    }
  }
  t.Render(Format::kTable, out);
  for (const BenchModeResult& m : modes) {
    for (const std::string& n : m.notes) out << m.mode << ": " << n << "\n";
  }
}

int RunBench(const BenchArgs& a, const GlobalOptions& global) {
  BenchSettings settings = a.settings;
  // The password only from the environment: a command line is visible to every user.
  if (const char* pw = std::getenv("QCFLOW_FIREBIRD_PASSWORD")) settings.firebird_password = pw;
  auto format = ParseFormat(a.format);
  if (!format.ok() || *format == Format::kCsv) {
    return ReportError(Status::InvalidArgument("--format must be table or json"));
  }
  std::vector<const Mode*> todo;
  for (const Mode& m : kModes) {
    if (a.what == "all" || a.what == m.name) todo.push_back(&m);
  }
  settings.work_base = global.store_dir;  // only when given explicitly: never $QCFLOW_STORE
  nlohmann::json report = {{"qcflow_bench", 1},
                           {"qcflow_version", kQcflowVersion},
                           {"started", FormatUtcIso(NowMicros())},
                           {"machine", Machine()},
                           {"options",
                            {{"what", a.what},
                             {"duration", settings.duration},
                             {"linacs", settings.linacs},
                             {"rate", settings.rate},
                             {"max", settings.max},
                             {"run_folders", settings.run_folders},
                             {"uploads", settings.uploads},
                             {"dqa3_rows", settings.dqa3_rows},
                             {"dqa3_firebird", !settings.firebird_database.empty()}}}};
  std::vector<BenchModeResult> results;
  InterruptWatch interrupt;
  settings.stop_requested = [&interrupt] { return interrupt.interrupted(); };
  for (const Mode* m : todo) {
    if (interrupt.interrupted()) break;
    // A fresh scratch directory per mode, removed when the mode ends (even on error).
    auto dir = bench::BenchDir::In(settings.work_base, std::string("qcflow-bench-") + m->name);
    if (!dir.ok()) return ReportError(dir.status());
    Progress progress(std::string("bench ") + m->name);
    progress.Update("starting", true);
    auto r = m->run(settings, (*dir)->path(), [&](const std::string& s) { progress.Update(s); });
    if (!r.ok()) {
      progress.Done("failed");
      return ReportError(r.status().WithContext(std::string("bench ") + m->name));
    }
    r->seconds = progress.seconds();
    progress.Done(r->available ? "done in " + Number(r->seconds) + " s" : "not available");
    results.push_back(std::move(*r));
  }
  if (interrupt.interrupted()) {
    std::cerr << "qcflow bench: interrupted; scratch directories removed, nothing reported\n";
    return kExitFailed;
  }
  nlohmann::json modes = nlohmann::json::array();
  for (const BenchModeResult& m : results) modes.push_back(ToJson(m));
  report["modes"] = modes;
  if (*format == Format::kJson) {
    std::cout << report.dump(2) << "\n";
  } else {
    PrintSummary(results, std::cout);
  }
  return kExitOk;
}

}  // namespace

void RegisterBenchCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto a = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench",
      "Measure journal, iCom, MPC, DQA3 and export throughput on this machine.\n"
      "Self-contained: simulated linacs, synthetic TDS trees and a local QATrack+ test\n"
      "server, all on 127.0.0.1; nothing real is contacted. Scratch stores go to --store DIR\n"
      "(to measure that disk; default $TMPDIR) in a new subdirectory that is removed after.\n"
      "Progress goes to stderr; the summary (or --format json report) to stdout.\n"
      "See docs/benchmarks.md for how to read the numbers.");
  cmd->add_option("what", a->what, "journal | icom | mpc | dqa3 | export | all")
      ->required()
      ->check(CLI::IsMember({"journal", "icom", "mpc", "dqa3", "export", "all"}));
  cmd->add_option("--duration", a->settings.duration,
                  "Seconds for the timed part of each mode (default: journal 10, icom 30)")
      ->check(CLI::Range(0.5, 86400.0));
  cmd->add_option("--format", a->format, "table | json (a report to keep and compare)")
      ->capture_default_str();
  cmd->add_option("--linacs", a->settings.linacs, "icom: simulated linacs")
      ->check(CLI::Range(1, 200))
      ->capture_default_str();
  cmd->add_option("--rate", a->settings.rate,
                  "icom: messages/s per simulated linac (a real linac sends about 4)")
      ->check(CLI::Range(0.5, 100000.0))
      ->capture_default_str();
  cmd->add_flag("--max", a->settings.max,
                "icom: how fast a backfill of archived streams goes (PyMedPhys .xz archives "
                "imported as `qcflow backfill icom` does, next to raw RocksDB)");
  cmd->add_option("--run-folders", a->settings.run_folders, "mpc: run folders in the synthetic TDS tree")
      ->check(CLI::Range(10, 1000000))
      ->capture_default_str();
  cmd->add_option("--uploads", a->settings.uploads, "export: sessions uploaded without throttle")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--dqa3-rows", a->settings.dqa3_rows, "dqa3: rows in the synthetic SQLite database")
      ->check(CLI::Range(60, 10000000))
      ->capture_default_str();
  auto* fb = cmd->add_option("--firebird-database", a->settings.firebird_database,
                             "dqa3: poll this existing Firebird database instead (read only; password\n"
                             "from $QCFLOW_FIREBIRD_PASSWORD)");
  cmd->add_option("--firebird-host", a->settings.firebird_host, "dqa3: Firebird server")
      ->needs(fb)->capture_default_str();
  cmd->add_option("--firebird-port", a->settings.firebird_port, "dqa3: Firebird port")
      ->needs(fb)->check(CLI::Range(1, 65535))->capture_default_str();
  cmd->add_option("--firebird-user", a->settings.firebird_user, "dqa3: Firebird user")
      ->needs(fb)->capture_default_str();
  cmd->add_option("--firebird-zone", a->settings.firebird_zone,
                  "dqa3: IANA zone of the database's clock")
      ->needs(fb)->capture_default_str();
  cmd->callback([a, &global, action] { *action = [a, &global] { return RunBench(*a, global); }; });
}

}  // namespace qcflow::cli
