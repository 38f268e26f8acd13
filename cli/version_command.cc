#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command.h"
#include "cli/version.h"
#include "store/record.h"

namespace qcflow::cli {

std::string VersionText() {
  return std::string("qcflow ") + kQcflowVersion + "\nstore format " +
         std::to_string(kStoreFormatVersion) + ", envelope version " +
         std::to_string(int(kEnvelopeVersion)) + "\n";
}

void RegisterVersionCommand(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("version", "Print qcflow's version and the store/envelope formats it uses");
  cmd->callback([action] {
    *action = [] {
      std::cout << VersionText();
      return kExitOk;
    };
  });
}

}  // namespace qcflow::cli
