// qcflow: moves linac QA results from vendor systems into QATrack+, keeping an
// append-only journal of everything captured.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command.h"

int main(int argc, char** argv) {
  using namespace qcflow::cli;
  CLI::App app{
      "qcflow — a data pipeline for radiotherapy QA.\n"
      "Captures Varian MPC results, Sun Nuclear DQA3 rows and Elekta iCom streams into an\n"
      "append-only journal, groups them into QA sessions and delivers them to QATrack+\n"
      "exactly once. Run `qcflow <command> --help` for each command."};
  app.require_subcommand(1);
  app.fallthrough();  // --store may follow the subcommand
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
  return action ? action() : kExitUsage;
}
