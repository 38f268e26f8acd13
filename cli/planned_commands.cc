// Commands whose work later releases add. They exist now so that `--help`
// shows the whole product and scripts get a clear answer instead of "unknown".
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command.h"

namespace qcflow::cli {
namespace {

struct Planned {
  const char* name;
  const char* help;
};

constexpr Planned kPlanned[] = {
    {"bench", "Measure journal, iCom, MPC, DQA3 and export throughput on this machine"},
};

}  // namespace

void RegisterPlannedCommands(CLI::App& app, Action* action) {
  for (const Planned& p : kPlanned) {
    auto* cmd = app.add_subcommand(p.name, std::string(p.help) + " [not implemented yet]");
    cmd->allow_extras()->fallthrough(false);  // accept any arguments: not read yet
    std::string name = p.name;
    cmd->callback([action, name] {
      *action = [name] {
        std::cerr << "qcflow " << name
                  << ": not implemented yet in this release. Nothing was done.\n";
        return kExitFailed;
      };
    });
  }
}

}  // namespace qcflow::cli
