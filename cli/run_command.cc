// `qcflow run`: the daemon. Parses qcflow.toml, sets up logging, turns SIGTERM /
// SIGINT into Daemon::RequestStop (from a sigwait thread: no work in signal
// handlers) and maps the outcome to an exit code.
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "cli/console/console.h"
#include "cli/runtime/display_zone.h"
#include "cli/runtime/config.h"
#include "cli/runtime/daemon.h"
#include "cli/runtime/logging.h"

namespace qcflow::cli {
namespace {

struct RunOptions {
  std::string config;
  bool until_idle = false;
  std::string max_duration;
  std::string zone;  // --tz; "" = ResolveDisplayZone's default
};

constexpr const char* kRunHelp = R"(
What it does: scans every [[source.mpc]] TDS share and polls every [[source.dqa3]]
database at its `interval`, journals new Results.csv files and DQA3 rows, groups them
into QA sessions and uploads them with every [[sink.qatrack]] its [[route]] names.
Each session is uploaded exactly once, also across restarts. Every [[source.icom]]
linac's stream is captured continuously (receive-only) and grouped into deliveries
(qcflow query deliveries); SIGTERM closes those sockets cleanly (FIN) first.

The store is [store].path; the global option --store DIR overrides it.

Nothing needs a restart: a share that is not mounted, a database or linac that is
down, a QATrack+ server that is down or a rejected token is logged once, retried with
backoff, and picked up when fixed.

Stopping: SIGTERM or Ctrl-C (SIGINT) stops new scans and uploads, lets the ones in
flight finish, syncs the store and exits. A second signal is ignored (the drain
continues); SIGHUP is ignored (restart to read a changed qcflow.toml).

Logs: stderr (the systemd journal) and, when [log].file is set, that file, rotated
at [log].max_size_mb. Check progress with `qcflow status --store DIR` (safe while
running) or GET /metrics when [metrics].listen is set.

One-shot runs: --until-idle exits once every source made a successful pass and
nothing is pending: uploads waiting out a retry delay (after a reset or timeout)
are waited for, so bound the wait with --max-duration. --max-duration alone stops
at that time; iCom capture simply stops there (its streams never end). Either way
the exit code says whether everything was done, and each thing left is logged as
"not done: <what and why>".

Exit codes: 0 stopped cleanly: on a signal, or (--until-idle / --max-duration)
with everything delivered; 1 the store failed; 2 configuration error (every
problem is listed); 3 (--until-idle / --max-duration) something was left: uploads
still pending, dead letters (refused by the server: see qcflow replay
--dead-letters), a source whose latest pass failed, or iCom messages lost.

Example: qcflow run --config /etc/qcflow/qcflow.toml
Check a config first: qcflow validate --config /etc/qcflow/qcflow.toml)";

// Waits for SIGTERM/SIGINT/SIGHUP with sigtimedwait (the signals are blocked in
// every thread) so the daemon's reaction runs on an ordinary thread.
class SignalWatcher {
 public:
  explicit SignalWatcher(Daemon* daemon) : daemon_(daemon) {
    thread_ = std::thread([this] { Watch(); });
  }
  ~SignalWatcher() {
    done_ = true;
    thread_.join();  // within one sigtimedwait timeout
  }

  static sigset_t Signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
  }

 private:
  void Watch() {
    const sigset_t set = Signals();
    const timespec tick{0, 200'000'000};
    while (!done_) {  // bounded: ends when the daemon returned
      siginfo_t info;
      int sig = sigtimedwait(&set, &info, &tick);
      if (sig == SIGHUP) {
        spdlog::info("SIGHUP ignored; restart qcflow to read a changed configuration");
      } else if (sig == SIGTERM || sig == SIGINT) {
        daemon_->RequestStop(sig == SIGTERM ? "SIGTERM received" : "SIGINT received");
      }
    }
  }

  Daemon* daemon_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// [console]: the web console and read API, reading the daemon's snapshots. The
// daemon keeps the server and closes it before its store.
Status StartConsole(Daemon& daemon, const config::ConsoleSection& section, std::string zone) {
  if (section.listen.empty()) return Status::OK();
  console::ConsoleBackend backend;
  backend.zone = std::move(zone);
  backend.status = [&daemon] { return daemon.Snapshot(); };
  backend.dead_letters = [&daemon](const std::string& sink, size_t offset, size_t limit) {
    return daemon.DeadLetters(sink, offset, limit);
  };
  backend.retry = [&daemon](const std::string& sink) { return daemon.RetryDeadLetters(sink); };
  backend.trend_series = [&daemon] { return ListTrendSeries(daemon.derived()); };
  backend.trend = [&daemon](const TrendQuery& q) { return ReadTrend(daemon.derived(), q); };
  backend.deliveries = [&daemon](const icom::DeliveryQuery& q) {
    return icom::ReadDeliveries(daemon.derived(), q);
  };
  backend.journal = [&daemon] { return &daemon.store()->journal(); };
  backend.sessions = WalkStoredSessions(daemon.derived());
  backend.log_lines = [](const std::string& component, int min_level) {
    return RecentLog().Lines(component, min_level);
  };
  std::string pages;
  const std::string backend_zone = backend.zone;
  auto server = console::StartConsole(section, std::move(backend), &pages);
  if (!server.ok()) return server.status();
  spdlog::info("console: http://{}/ (times in {}; {}; {})", (*server)->address(), backend_zone,
               section.token.empty() ? "read-only: no [console].token_file" : "retry with the write token",
               pages);
  daemon.Attach(std::shared_ptr<console::ConsoleServer>(std::move(*server)));
  return Status::OK();
}

int RunDaemon(const GlobalOptions& global, const RunOptions& o) {
  auto cfg = config::LoadConfig(o.config);
  if (!cfg.ok()) return ReportError(cfg.status());
  auto zone = config::ResolveDisplayZone(o.zone, &*cfg);
  if (!zone.ok()) return ReportError(zone.status());
  DaemonOptions opts;
  opts.config = std::move(*cfg);
  opts.store_dir = global.store_dir;  // --store overrides [store].path
  opts.until_idle = o.until_idle;
  if (!o.max_duration.empty()) {
    auto d = config::ParseDuration(o.max_duration);
    if (!d.ok() || d->count() <= 0) {
      return ReportError(Status::InvalidArgument(
          "--max-duration '" + o.max_duration + "' must be a positive duration such as 90, 30s or 5m"));
    }
    opts.max_duration = *d;
  }
  if (Status s = SetUpLogging(opts.config.log); !s.ok()) return ReportError(s);
  const std::string log_file = opts.config.log.file;
  const config::ConsoleSection console_section = opts.config.console;

  // Block the stop signals before any thread exists, so every thread inherits
  // the mask and only the watcher receives them. SIGPIPE: a peer closing a
  // socket must never kill the daemon.
  const sigset_t set = SignalWatcher::Signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int code = kExitOk;
  {
    auto daemon = Daemon::Create(std::move(opts));
    if (!daemon.ok()) {
      // With a log file the message must land there too; spdlog also writes stderr.
      if (log_file.empty()) return ReportError(daemon.status());
      spdlog::error("not started: {}", daemon.status().message());
      ShutDownLogging();
      const auto c = daemon.status().code();
      return c == Status::Code::kInvalidArgument || c == Status::Code::kNotFound ||
                     c == Status::Code::kIncompatible
                 ? kExitUsage
                 : kExitFailed;
    }
    if (Status s = StartConsole(**daemon, console_section, *zone); !s.ok()) {
      spdlog::error("not started: {}", s.message());
      ShutDownLogging();
      return kExitFailed;
    }
    SignalWatcher watcher(daemon->get());
    auto summary = (*daemon)->Run();
    if (!summary.ok()) {
      code = kExitFailed;
    } else if (summary->reason != StopReason::kRequested && !summary->left.empty()) {
      code = kExitPartial;  // Run logged each item ("not done: ...")
    }
  }
  ShutDownLogging();
  return code;
}

}  // namespace

void RegisterRunCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand(
      "run",
      "Run the daemon: scan sources, group sessions and deliver them to QATrack+ until stopped");
  cmd->add_option("--config", o->config, "The qcflow.toml to run (see examples/qcflow.toml)")
      ->required()
      ->type_name("FILE");
  cmd->add_flag("--until-idle", o->until_idle,
                "Exit once every source made a successful pass and nothing is pending (uploads "
                "in a retry delay are waited for; bound it with --max-duration), for one-shot "
                "jobs: 0 everything delivered, 3 something left pending or dead-lettered (logged "
                "with why). iCom streams never end: for them it only waits until what was "
                "received is journaled and grouped");
  cmd->add_option("--max-duration", o->max_duration,
                  "Stop (draining like SIGTERM) after this long: 90, 30s, 5m; exit 0 if nothing "
                  "was left undone, 3 if uploads are pending or dead-lettered or a source failed")
      ->type_name("DURATION");
  cmd->add_option("--tz", o->zone,
                  "The zone the console and read API show times in (IANA name such as "
                  "Europe/Berlin); default: $TZ, else [display] zone, else the first source's "
                  "zone, else this machine's")
      ->type_name("ZONE");
  cmd->footer(kRunHelp);
  cmd->callback([action, &global, o] {
    *action = [&global, o] { return RunDaemon(global, *o); };
  });
}

}  // namespace qcflow::cli
