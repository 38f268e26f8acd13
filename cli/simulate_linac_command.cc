// `qcflow simulate-linac`: streams synthetic Elekta iCom messages on a loopback
// port, as a linac's NSS does on 1706 (see ingest/icom/sim/linac_server.h).
// For tests, demos and benchmarks of iCom capture; it never touches a store.
#include <CLI/CLI.hpp>

#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "ingest/icom/sim/linac_server.h"

namespace qcflow::cli {
namespace {

struct SimulateOptions {
  std::string host = "127.0.0.1";
  int port = 1706;
  double rate = 4;
  uint64_t messages = 0;
  uint64_t seed = 1;
  std::vector<std::string> faults;
  std::string linac_name = "LA1";
  int mlc_pairs = 80;
  int fields_per_patient = 4;
};

int RunSimulate(const SimulateOptions& opt) {
  icom::LinacServerOptions o;
  o.host = opt.host;
  o.port = static_cast<uint16_t>(opt.port);
  o.rate = opt.rate;
  o.generator.messages = opt.messages;
  o.generator.seed = opt.seed;
  o.generator.machine_id = opt.linac_name;
  o.generator.mlc_pairs = opt.mlc_pairs;
  o.generator.fields_per_patient = opt.fields_per_patient;
  for (const std::string& f : opt.faults) {
    if (f == "close-mid-message") o.fault_close_mid_message = true;
    if (f == "stall") o.fault_stall = true;
    if (f == "resend-burst") o.fault_resend_burst = true;
    if (f == "counter-gap") o.generator.faults.counter_gap_rate = 0.02;
    if (f == "garbage") o.generator.faults.garbage_rate = 0.02;
  }
  o.handle_signals = true;
  const std::string host = opt.host;
  o.on_listening = [host](uint16_t port) {
    // One line, flushed: scripts and tests read the port from it (--port 0).
    std::cout << "simulate-linac: listening on " << host << ":" << port << std::endl;
  };
  signal(SIGPIPE, SIG_IGN);  // a vanished client is an error code, not a signal
  auto server = icom::LinacServer::Start(std::move(o));
  if (!server.ok()) return ReportError(server.status());
  Status s = (*server)->Run();
  if (!s.ok()) return ReportError(s);
  const auto c = (*server)->counters();
  std::cout << "simulate-linac: stopped after " << c.generated << " messages, "
            << c.connections << " connections" << std::endl;
  return kExitOk;
}

}  // namespace

void RegisterSimulateLinacCommand(CLI::App& app, Action* action) {
  auto opt = std::make_shared<SimulateOptions>();
  auto* cmd = app.add_subcommand(
      "simulate-linac",
      "Stream synthetic Elekta iCom messages on a loopback port (tests and demos)");
  cmd->footer(
      "Listens on loopback only (127.0.0.1 or ::1: the stream carries synthetic patient\n"
      "names, and a simulator must never be mistaken for a linac on the clinic network).\n"
      "Every connected client gets the same stream; generation starts at the first\n"
      "connection. SIGINT/SIGTERM close every socket with a clean FIN.\n"
      "Faults: close-mid-message (FIN after half a message, every ~100), stall (3 s of\n"
      "silence, every ~100), resend-burst (a reconnecting client first gets the last 32\n"
      "messages again), counter-gap (2% of messages skip counters), garbage (2% are\n"
      "followed by random bytes).");
  cmd->add_option("--host", opt->host, "Loopback address to listen on")->capture_default_str();
  cmd->add_option("--port", opt->port, "TCP port (0: any free port, printed)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--rate", opt->rate, "Messages per second (0: as fast as clients read)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--messages", opt->messages, "Stop after N messages (0: run until signalled)")
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed, "Generator seed (same seed, same bytes)")
      ->capture_default_str();
  cmd->add_option("--fault", opt->faults, "Inject a fault (repeatable)")
      ->check(CLI::IsMember(
          {"close-mid-message", "stall", "resend-burst", "counter-gap", "garbage"}));
  cmd->add_option("--linac-name", opt->linac_name, "Machine ID sent in the stream")
      ->capture_default_str();
  cmd->add_option("--mlc-pairs", opt->mlc_pairs, "MLC leaf pairs (80 Agility, 40 MLCi2)")
      ->check(CLI::IsMember({80, 40}))
      ->capture_default_str();
  cmd->add_option("--fields-per-patient", opt->fields_per_patient, "Fields per session")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  cmd->callback([action, opt] { *action = [opt] { return RunSimulate(*opt); }; });
}

}  // namespace qcflow::cli
