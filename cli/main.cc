// qcflow: moves linac QA results from vendor systems into QATrack+, keeping an
// append-only journal of everything captured.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command.h"

namespace {

// The command the user stopped at: `qcflow query` without `records` is `query`.
const CLI::App* DeepestParsed(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return DeepestParsed(*sub);
  return &app;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace qcflow::cli;
  CLI::App app{
      "qcflow — a data pipeline for radiotherapy QA.\n"
      "Captures Varian MPC results, Sun Nuclear DQA3 rows and Elekta iCom streams into an\n"
      "append-only journal, groups them into QA sessions and delivers them to QATrack+\n"
      "exactly once. Run `qcflow <command> --help` for each command."};
  app.footer(
      "Without a command (`qcflow`, `qcflow query`) this help is printed on stdout and the\n"
      "exit code is 2 (usage). Exit codes: 0 done, 1 failed, 2 usage or configuration\n"
      "error, 3 partly done. List commands take --limit N (0: no limit).");
  app.require_subcommand(0, 1);  // bare: its help (below)
  app.fallthrough();             // --store may follow the subcommand
  app.set_version_flag("--version", [] {
    std::string text = VersionText();
    text.pop_back();  // CLI11 ends the line itself
    return text;
  });
  GlobalOptions global;
  app.add_option("--store", global.store_dir,
                 "Store directory (default: $QCFLOW_STORE, else ./qcflow-store)")
      ->type_name("DIR");

  Action action;
  RegisterVersionCommand(app, &action);
  RegisterStatusCommand(app, global, &action);
  RegisterQueryCommand(app, global, &action);
  RegisterBackfillCommand(app, global, &action);
  RegisterRunCommand(app, global, &action);
  RegisterValidateCommand(app, global, &action);
  RegisterReplayCommand(app, global, &action);
  RegisterExportCommand(app, global, &action);
  RegisterSimulateLinacCommand(app, &action);
  RegisterTrfCommand(app, &action);
  RegisterBenchCommand(app, global, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (action) return action();
  // No command, or a command group without its command: show what there is.
  std::cout << DeepestParsed(app)->help();
  return kExitUsage;
}
