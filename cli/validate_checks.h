// INTERNAL to `qcflow validate` (validate_command.cc): the checklist it prints,
// and the checks of the sources that live in their own files.
#ifndef QCFLOW_CLI_VALIDATE_CHECKS_H_
#define QCFLOW_CLI_VALIDATE_CHECKS_H_

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "cli/runtime/config.h"

namespace qcflow::cli {

// Prints one line per check as it happens and counts the outcomes.
class Checklist {
 public:
  void Ok(const std::string& text) { Line("ok  ", text); }
  void Warn(const std::string& text) {
    Line("warn", text);
    ++warnings_;
  }
  void Fail(const std::string& text) {
    Line("FAIL", text);
    ++failures_;
  }
  // Not checked, and not a problem (a disabled component).
  void Skip(const std::string& text) { Line("skip", text); }
  void ConfigError(const std::string& text) {
    Line("FAIL", text);
    ++config_errors_;
  }
  int warnings() const { return warnings_; }
  int failures() const { return failures_ + config_errors_; }
  int config_errors() const { return config_errors_; }

 private:
  void Line(const char* tag, const std::string& text) {
    std::cout << "  " << tag << "  " << text << "\n" << std::flush;
  }
  int warnings_ = 0, failures_ = 0, config_errors_ = 0;
};

// What data found by a source will need from a QATrack+ server.
struct ExpectedUpload {
  std::string unit_field;       // how the sink finds the unit: "serial_number", "name", "number"
  std::string unit_value;
  std::string test_list;        // "" when unknown (only the unit is checked)
  std::set<std::string> macros; // the values sent; empty when unknown (not compared)
  std::string what;             // for messages: "Enhanced Couch Checks sessions of serial 1234 from 'tds'"
};

// Connects to the linac's NSS like `qcflow run` would, listens for a few
// seconds, counts the iCom messages that arrive, and closes with a FIN (after
// draining, so no reset reaches the linac). Fails when the host does not
// resolve or the connection is refused or times out; warns when nothing (or
// nothing like iCom) arrives.
void CheckIcomSource(const config::IcomSource& source, Checklist* list);

// Detects the schema, lists the machines and reads the rows of the history
// window, read-only, like a poll would (journaling nothing); fails when the
// database cannot be read or has a schema qcflow does not read; warns about
// machines without a unit and units naming no machine. Returns the uploads the
// mapped machines will need: per test list, the macros their newest row of
// each beam would send (unit only for a machine without rows).
std::vector<ExpectedUpload> CheckDqa3Source(const config::Dqa3Source& source, Checklist* list);

// Checks a [[sink.qatrack]]: the token on a route that needs one, the permission
// to upload (POST {}), and for `uploads` (of the sources routed to it) the unit
// (exactly one), the test list, its active assignment and its macros; says which
// sessions would become dead letters and why. `token_origin` names where the
// token came from ("token_file /etc/qcflow/qatrack.token").
void CheckQatrackSink(const config::QatrackSink& sink, const std::vector<ExpectedUpload>& uploads,
                      const std::string& token_origin, Checklist* list);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_VALIDATE_CHECKS_H_
