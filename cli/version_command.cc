#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command.h"
#include "cli/version.h"
#include "store/record.h"

namespace qcflow::cli {

void RegisterVersionCommand(CLI::App& app, Action* action) {
  auto* cmd = app.add_subcommand("version", "Print qcflow's version and the store/envelope formats it uses");
  cmd->callback([action] {
    *action = [] {
      std::cout << "qcflow " << kQcflowVersion << "\n"
                << "store format " << kStoreFormatVersion << ", envelope version "
                << int(kEnvelopeVersion) << "\n";
      return kExitOk;
    };
  });
}

}  // namespace qcflow::cli
