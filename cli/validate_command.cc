// `qcflow validate --config FILE`: reads qcflow.toml like `qcflow run` would,
// then checks that everything it names can be reached — TDS directories, the
// store, the log directory, each QATrack+ server (token, upload permission) and,
// for the serials and DQA3 machines found, their units, test lists, assignments
// and macros (validate_qatrack.cc).
//
// Every problem is one sentence that says what to do. Exit codes: 0 all well
// (warnings allowed), 2 the configuration is wrong, 1 something it names cannot
// be reached. Nothing is written: the store is opened read-only (or not at all
// when it does not exist yet), the QATrack+ checks are GETs and one POST of `{}`
// that the server refuses without storing anything. The token is never printed.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "cli/command.h"
#include "cli/runtime/config.h"
#include "cli/validate_checks.h"
#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/run_folder.h"
#include "process/mpc/session_builder.h"
#include "store/time_util.h"

namespace qcflow::cli {
namespace {

namespace fs = std::filesystem;

struct ValidateOptions {
  std::string config = "qcflow.toml";
};

std::string Plural(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// ---- config-level observations ------------------------------------------------------

void CheckRoutes(const config::Config& c, Checklist* list) {
  list->Ok(c.file + " is valid: " + Plural(c.mpc_sources.size(), "MPC source", "MPC sources") +
           ", " + Plural(c.icom_sources.size(), "iCom linac", "iCom linacs") + ", " +
           Plural(c.dqa3_sources.size(), "DQA3 database", "DQA3 databases") + ", " +
           Plural(c.qatrack_sinks.size(), "QATrack+ sink", "QATrack+ sinks") + ", " +
           Plural(c.routes.size(), "route", "routes"));
  if (c.mpc_sources.empty() && c.icom_sources.empty() && c.dqa3_sources.empty()) {
    list->Warn(c.file + " has no [[source.*]]: qcflow run would capture nothing; add one "
                        "(see examples/qcflow.toml).");
  }
  std::set<std::string> routed_sinks;
  for (const auto& s : c.mpc_sources) {
    routed_sinks.insert(s.transform.sinks.begin(), s.transform.sinks.end());
    if (s.transform.sinks.empty()) {
      list->Warn("source " + Quote(s.name) + " is not routed to any sink: its sessions are kept "
                 "in the store but sent nowhere; add [[route]] from = \"" + s.name + "\".");
    }
  }
  for (const auto& s : c.dqa3_sources) {
    routed_sinks.insert(s.transform.sinks.begin(), s.transform.sinks.end());
    if (s.transform.sinks.empty()) {
      list->Warn("source " + Quote(s.name) + " is not routed to any sink: its sessions are kept "
                 "in the store but sent nowhere; add [[route]] from = \"" + s.name + "\".");
    }
  }
  for (const auto& k : c.qatrack_sinks) {
    const auto& sink = k.sink;
    if (!routed_sinks.count(sink.name)) {
      list->Warn("sink " + Quote(sink.name) + " receives nothing: add a [[route]] with to = [\"" +
                 sink.name + "\"].");
    }
    if (!sink.verify_ssl) {
      list->Warn("sink " + Quote(sink.name) + " does not verify the server's certificate "
                 "(verify_ssl = false): set ca_bundle to the hospital CA instead.");
    }
    const bool loopback = sink.api_url.rfind("http://127.", 0) == 0 ||
                          sink.api_url.rfind("http://localhost", 0) == 0 ||
                          sink.api_url.rfind("http://[::1]", 0) == 0;
    if (sink.api_url.rfind("http://", 0) == 0 && !loopback) {
      list->Warn("sink " + Quote(sink.name) + " uses plain http: the token crosses the network "
                 "unencrypted; use https:// if the server offers it.");
    }
    if (sink.include_comments) {
      list->Warn("sink " + Quote(sink.name) + " sends comments (include_comments = true): "
                 "QATrack+ does not auto-review sessions with comments, so every one waits "
                 "for a person.");
    }
  }
}

// ---- store and log --------------------------------------------------------------------

// The pid holding RocksDB's LOCK file, or 0 (F_GETLK only looks; it takes no lock).
pid_t LockHolder(const std::string& dir) {
  int fd = ::open((fs::path(dir) / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock fl {};
  fl.l_type = F_RDLCK;  // would a reader conflict? yes, with the writer's F_WRLCK
  fl.l_whence = SEEK_SET;
  pid_t holder = 0;
  if (::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) holder = fl.l_pid;
  ::close(fd);
  return holder;
}

std::string UserName() {
  struct passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : std::to_string(::geteuid());
}

// The nearest existing ancestor of `p` (p itself when it exists).
fs::path ExistingAncestor(fs::path p) {
  std::error_code ec;
  p = fs::absolute(p, ec);
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  return p;
}

void CheckStore(const std::string& dir, Checklist* list) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    StoreOptions options;
    options.read_only = true;
    options.create_if_missing = false;
    auto store = Store::Open(dir, options);
    if (!store.ok()) {
      if (store.status().code() == Status::Code::kNotFound && fs::is_directory(dir, ec) &&
          fs::is_empty(dir, ec)) {
        if (::access(dir.c_str(), W_OK | X_OK) == 0) {
          list->Ok("store " + dir + " is an empty directory; qcflow run will create the store there");
        } else {
          list->Fail("store " + dir + " is not writable by " + UserName() +
                     ": give it to the service user (chown qcflow:qcflow " + dir + ").");
        }
        return;
      }
      list->Fail("store: " + store.status().message() + ".");
      return;
    }
    auto stats = (*store)->Stats();
    std::string what = "store " + dir + " opens (format version " +
                       std::to_string(kStoreFormatVersion) + ", " +
                       (stats.ok() ? std::to_string(stats->last_seq) : std::string("?")) +
                       " records)";
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      list->Fail("store " + dir + " is not writable by " + UserName() +
                 ": qcflow run needs to write it; chown it to the service user.");
      return;
    }
    if (pid_t holder = LockHolder(dir); holder > 0) {
      what += "; in use by a running qcflow (pid " + std::to_string(holder) +
              "), so replay and backfill must wait until it is stopped";
    }
    list->Ok(what);
    return;
  }
  fs::path base = ExistingAncestor(dir);
  if (!fs::is_directory(base, ec)) {
    list->Fail("store " + dir + " cannot be created: " + base.string() +
               " is not a directory; set [store].path to a directory path.");
  } else if (::access(base.c_str(), W_OK | X_OK) != 0) {
    list->Fail("store " + dir + " cannot be created: " + base.string() + " is not writable by " +
               UserName() + "; create it for the service user (install -d -o qcflow -g qcflow -m 0750 " +
               dir + ").");
  } else {
    list->Ok("store " + dir + " does not exist yet; qcflow run will create it (" + base.string() +
             " is writable)");
  }
}

void CheckLog(const config::LogSection& log, Checklist* list) {
  if (log.file.empty()) return;
  std::error_code ec;
  fs::path file(log.file);
  if (fs::exists(file, ec)) {
    if (::access(log.file.c_str(), W_OK) != 0) {
      list->Fail("log file " + log.file + " is not writable by " + UserName() +
                 ": chown it to the service user or change [log].file.");
    } else {
      list->Ok("log file " + log.file + " is writable");
    }
    return;
  }
  fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    list->Fail("log directory " + dir.string() + " does not exist: create it "
               "(install -d -o qcflow -g qcflow " + dir.string() + ") or change [log].file.");
  } else if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    list->Fail("log directory " + dir.string() + " is not writable by " + UserName() +
               ": chown it to the service user or change [log].file.");
  } else {
    list->Ok("log file " + log.file + " can be created");
  }
}

// ---- MPC sources ---------------------------------------------------------------------

struct TdsSurvey {
  bool readable = false;
  size_t run_folders = 0;
  std::vector<std::string> unparseable;   // folder names that would be quarantined
  std::set<std::string> serials;
  std::optional<MicrosUtc> history_start;  // runs before it: left to backfill by a first start now
  std::string zone;                        // the source's, for run folder times
  size_t before_history = 0;
  // The newest run of each serial, check type and beam: (folder, Results.csv path).
  std::map<std::tuple<std::string, mpc::CheckType, std::string>, std::pair<mpc::RunFolder, fs::path>> newest;
};

// Counts Results.csv files the way the scanner finds them (fast search: only
// <root>/<any>/MPCChecks/**), without reading them.
void Survey(const fs::path& dir, TdsSurvey* out) {
  std::error_code ec;
  auto opts = fs::directory_options::skip_permission_denied;
  for (fs::recursive_directory_iterator it(dir, opts, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() != "Results.csv" || !it->is_regular_file(ec)) continue;
    ++out->run_folders;
    std::string folder = it->path().parent_path().filename().string();
    auto run = mpc::ParseRunFolder(folder);
    if (!run.ok()) {
      out->unparseable.push_back(folder);
      continue;
    }
    out->serials.insert(run->serial);
    if (out->history_start) {
      auto t = CivilToUtc(run->run_time, out->zone);
      if (t.ok() && *t < *out->history_start) ++out->before_history;
    }
    auto [slot, added] = out->newest.try_emplace({run->serial, run->check_type, run->beam_label}, *run, it->path());
    if (!added && slot->second.first.time_text < run->time_text) slot->second = {*run, it->path()};
  }
}

TdsSurvey CheckSource(const config::MpcSource& s, Checklist* list) {
  TdsSurvey survey;
  const std::string& root = s.scan.root;
  const std::string who = "source " + Quote(s.name) + ": ";
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    list->Fail(who + "the TDS directory " + root + " does not exist: mount the share (check "
               "/etc/fstab and that the mount is up) or fix tds in the config.");
    return survey;
  }
  if (!fs::is_directory(root, ec)) {
    list->Fail(who + root + " is not a directory: tds must name the TDS directory that holds "
               "<machine>/MPCChecks/.");
    return survey;
  }
  if (::access(root.c_str(), R_OK | X_OK) != 0) {
    list->Fail(who + "the TDS directory " + root + " is not readable by " + UserName() +
               ": grant read access on the share (mount options uid/gid or file_mode).");
    return survey;
  }
  survey.readable = true;
  if (s.history) {
    survey.history_start = NowMicros() - s.history->count() * 1000;
    survey.zone = s.scan.site_zone;
  }
  if (s.scan.fast_search) {
    for (fs::directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      std::error_code e2;
      fs::path checks = it->path() / "MPCChecks";
      if (it->is_directory(e2) && fs::is_directory(checks, e2)) Survey(checks, &survey);
    }
  } else {
    Survey(root, &survey);
  }
  if (ec) {
    list->Fail(who + "listing " + root + " failed (" + ec.message() + "): check the share.");
    return survey;
  }
  const char* how = s.scan.fast_search ? "fast search sees " : "a full search sees ";
  if (survey.run_folders == 0) {
    list->Warn(who + root + " is readable but " + how + "no run folders" +
               (s.scan.fast_search ? " (it looks only in <tds>/<machine>/MPCChecks/); check the "
                                     "path, or set fast_search = false."
                                   : "; check the path."));
    return survey;
  }
  std::string serials;
  for (const std::string& serial : survey.serials) serials += (serials.empty() ? "" : ", ") + serial;
  list->Ok(who + root + " is readable; " + how + Plural(survey.run_folders, "run folder", "run folders") +
           (serials.empty() ? "" : " (serials " + serials + ")"));
  if (survey.before_history > 0) {
    list->Ok(who + Plural(survey.before_history, "run folder is", "run folders are") +
             " older than history = " + config::FormatDuration(*s.history) +
             ": a first qcflow run leaves them to `qcflow backfill mpc --config <this file> --source " +
             s.name + "`, which loads them");
  }
  if (!survey.unparseable.empty()) {
    const size_t n = survey.unparseable.size();
    list->Warn(who + Plural(n, "folder is", "folders are") + " not named like MPC run folders (" +
               (n == 1 ? "" : "e.g. ") + Quote(survey.unparseable.front()) + ") and will be "
               "journaled as quarantined (qcflow status counts them); rename or remove " +
               (n == 1 ? "it." : "them."));
  }
  return survey;
}

// ---- what the MPC data will need from QATrack+ ----------------------------------------

constexpr size_t kMaxResultsBytes = 3 << 20;  // a Results.csv is a few kB

// One upload per serial and check type found: the test list the source's template
// names, and the macros BuildMpcSession makes of the newest run of each beam (the
// transform's own code, so validate and run cannot disagree).
std::vector<ExpectedUpload> MpcUploads(const config::MpcSource& s, const TdsSurvey& survey) {
  std::map<std::pair<std::string, mpc::CheckType>, std::vector<mpc::RunResults>> runs;
  for (const auto& [key, newest] : survey.newest) {
    std::error_code ec;  // a FIFO would block the read; the source quarantines it
    if (!std::filesystem::is_regular_file(newest.second, ec)) continue;
    std::ifstream in(newest.second, std::ios::binary);
    std::string bytes(kMaxResultsBytes, '\0');
    in.read(bytes.data(), std::streamsize(bytes.size()));
    bytes.resize(size_t(in.gcount()));
    auto table = mpc::ParseResultsCsv(bytes);
    if (!table.ok()) continue;  // quarantined by the source, never uploaded
    auto& group = runs[{std::get<0>(key), std::get<1>(key)}];
    group.push_back({group.size() + 1, newest.second.string(), newest.first, std::move(*table)});
  }
  std::vector<ExpectedUpload> out;
  for (auto& [key, results] : runs) {
    mpc::RunGroup group;
    group.serial = key.first;
    group.check_type = key.second;
    for (const mpc::RunResults& r : results) {
      group.runs.push_back({r.folder.serial, r.folder.check_type, r.folder.run_time, r.folder.name, r.seq});
    }
    group.open = group.runs.front().run_time;
    group.window_key = WindowKey(group.open);
    auto session = mpc::BuildMpcSession(group, results, s.transform.session);
    if (!session.ok()) continue;
    ExpectedUpload up{"serial_number", key.first, session->test_list_name, {},
                      std::string(mpc::CheckTypeName(key.second)) + " sessions of serial " + key.first +
                          " from " + Quote(s.name)};
    for (const TestResult& t : session->tests) up.macros.insert(t.macro);
    out.push_back(std::move(up));
  }
  return out;
}

bool RoutedTo(const std::vector<std::string>& sinks, const std::string& sink) {
  return std::find(sinks.begin(), sinks.end(), sink) != sinks.end();
}

int RunValidate(const GlobalOptions& global, const ValidateOptions& o) {
  std::cout << "Checking " << o.config << "\n";
  auto loaded = config::LoadConfig(o.config);
  if (!loaded.ok()) {
    // One problem per line ("FILE:LINE: sentence"), after a "N problems in FILE:" header.
    std::istringstream lines(loaded.status().message());
    std::string line;
    size_t n = 0;
    while (std::getline(lines, line)) {
      size_t b = line.find_first_not_of(' ');
      if (b == std::string::npos || (line.back() == ':' && line.find(" in ") != std::string::npos)) continue;
      std::cout << "  FAIL  " << line.substr(b) << "\n";
      ++n;
    }
    std::cout << o.config << ": " << Plural(n, "problem", "problems") << " in the configuration; fix "
              << (n == 1 ? "it" : "them") << " and run qcflow validate again.\n";
    return kExitUsage;
  }
  const config::Config& c = *loaded;
  Checklist list;
  for (const config::DisabledComponent& d : c.disabled) {
    list.Skip(config::Describe(d, c.file) + " is disabled (enabled = false): not checked, not run");
  }
  for (const std::string& note : c.disabled_notes) list.Skip(note);
  CheckRoutes(c, &list);
  CheckStore(global.store_dir.empty() ? c.store.path : global.store_dir, &list);
  CheckLog(c.log, &list);
  std::map<std::string, std::vector<ExpectedUpload>> uploads;  // by source name
  for (const auto& s : c.mpc_sources) uploads[s.name] = MpcUploads(s, CheckSource(s, &list));
  for (const auto& s : c.icom_sources) CheckIcomSource(s, &list);
  for (const auto& s : c.dqa3_sources) uploads[s.name] = CheckDqa3Source(s, &list);
  for (const auto& k : c.qatrack_sinks) {
    std::vector<ExpectedUpload> needed;
    for (const auto& s : c.mpc_sources) {
      if (RoutedTo(s.transform.sinks, k.sink.name)) needed.insert(needed.end(), uploads[s.name].begin(), uploads[s.name].end());
    }
    for (const auto& s : c.dqa3_sources) {
      if (RoutedTo(s.transform.sinks, k.sink.name)) needed.insert(needed.end(), uploads[s.name].begin(), uploads[s.name].end());
    }
    CheckQatrackSink(k, needed, k.token_origin, &list);
  }

  const std::string warnings = list.warnings() ? Plural(size_t(list.warnings()), "warning", "warnings") : "";
  if (list.failures() == 0) {
    std::cout << o.config << ": all checks passed" << (warnings.empty() ? "" : " (" + warnings + ")")
              << ".\n";
    return kExitOk;
  }
  std::cout << o.config << ": " << Plural(size_t(list.failures()), "problem", "problems")
            << (warnings.empty() ? "" : ", " + warnings) << "; fix "
            << (list.failures() == 1 ? "it" : "them") << " and run qcflow validate again.\n";
  return list.config_errors() > 0 ? kExitUsage : kExitFailed;
}

}  // namespace

void RegisterValidateCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto o = std::make_shared<ValidateOptions>();
  auto* cmd = app.add_subcommand(
      "validate",
      "Check qcflow.toml and everything it names: TDS directories, the store, the log\n"
      "directory, each linac's iCom stream (connects for a few seconds, closes cleanly),\n"
      "each DQA3 database (connects, schema version, machines found and unmapped),\n"
      "each QATrack+ server: the token (GET units/units/), the permission to upload (a POST\n"
      "of {} that stores nothing), and for every serial in the TDS and DQA3 machine found:\n"
      "its unit (exactly one), the test lists its data needs (exist, assigned, active) and\n"
      "their macros against what would be sent (missing / extra), naming what would\n"
      "become dead letters.\n"
      "Writes nothing. Exit 0: all well (warnings allowed); 1: something cannot be reached;\n"
      "2: the configuration is wrong.\n"
      "Example: qcflow validate --config /etc/qcflow/qcflow.toml");
  cmd->add_option("--config,-c", o->config, "The configuration file (default ./qcflow.toml)");
  cmd->callback([action, &global, o] {
    *action = [&global, o] { return RunValidate(global, *o); };
  });
}

}  // namespace qcflow::cli
