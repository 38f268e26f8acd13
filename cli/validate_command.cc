// `qcflow validate --config FILE`: reads qcflow.toml like `qcflow run` would,
// then checks that everything it names can be reached — TDS directories, the
// store, the log directory, each QATrack+ server (token, upload permission) and,
// for the serials and DQA3 machines found, their units, test lists, assignments
// and macros. What each component checks lives in its folder (*_checks.cc);
// this command runs them through the component contract.
//
// Every problem is one sentence that says what to do. Exit codes: 0 all well
// (warnings allowed), 2 the configuration is wrong, 1 something it names cannot
// be reached. Nothing is written: the store is opened read-only (or not at all
// when it does not exist yet), the QATrack+ checks are GETs and one POST of `{}`
// that the server refuses without storing anything. The token is never printed.
#include <CLI/CLI.hpp>
#include <fcntl.h>
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
#include "process/component/wording.h"
#include "store/store.h"

namespace qcflow::cli {
namespace {

namespace fs = std::filesystem;
using component::Checklist;
using component::Plural;
using component::Quote;

struct ValidateOptions {
  std::string config = "qcflow.toml";
};

std::string UserName() { return component::ServiceUserName(); }

// ---- config-level observations ------------------------------------------------------

// "qcflow.toml is valid: 1 MPC source, 0 iCom linacs, ...": every kind the
// build knows, sources first, so a reader sees what is not configured too.
std::string Summary(const config::Config& c) {
  std::string out = c.file + " is valid: ";
  for (component::Role role : {component::Role::kSource, component::Role::kSink}) {
    for (const component::ComponentKind* kind : c.registry->kinds()) {
      if (kind->role != role) continue;
      size_t n = 0;
      for (const auto& comp : c.components) n += &comp->kind() == kind;
      out += Plural(n, kind->one, kind->many) + ", ";
    }
  }
  return out + Plural(c.routes.size(), "route", "routes");
}

void CheckRoutes(const config::Config& c, Checklist* list) {
  list->Ok(Summary(c));
  if (c.Sources().empty()) {
    list->Warn(c.file + " has no [[source.*]]: qcflow run would capture nothing; add one "
                        "(see examples/qcflow.toml).");
  }
  std::set<std::string> routed_sinks;
  for (const component::Component* s : c.Sources()) {
    routed_sinks.insert(s->sinks().begin(), s->sinks().end());
    // Only sources that exist to send sessions (an iCom linac's routes are optional).
    if (s->sinks().empty() && s->Sessions()) {
      list->Warn("source " + Quote(s->name()) + " is not routed to any sink: its sessions are kept "
                 "in the store but sent nowhere; add [[route]] from = \"" + s->name() + "\".");
    }
  }
  for (const component::Component* k : c.Sinks()) {
    if (!routed_sinks.count(k->name())) {
      list->Warn("sink " + Quote(k->name()) + " receives nothing: add a [[route]] with to = [\"" +
                 k->name() + "\"].");
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
                       std::to_string((*store)->format_version()) + ", " +
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
  // Sources first (c.components' order), so a sink sees what they found.
  component::CheckContext ctx;
  ctx.list = &list;
  for (const auto& comp : c.components) ctx.components.push_back(comp.get());
  CheckRoutes(c, &list);
  for (const component::Component* comp : ctx.components) comp->CheckConfig(ctx);
  CheckStore(global.store_dir.empty() ? c.store.path : global.store_dir, &list);
  CheckLog(c.log, &list);
  for (const component::Component* comp : ctx.components) comp->Check(ctx);

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
