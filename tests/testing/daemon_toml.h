// The qcflow.toml of tests/daemon_test.cc: one MPC source "tb" routed to one
// QATrack+ sink "qatrack", with fields for what a test changes.
#ifndef QCFLOW_TESTS_TESTING_DAEMON_TOML_H_
#define QCFLOW_TESTS_TESTING_DAEMON_TOML_H_

#include <string>

#include "tests/testing/qatrack_test_server.h"

namespace qcflow::testing {

struct Toml {
  std::string store, tds, url, log_file, metrics;
  std::string token = QatrackTestServer::kDefaultToken;
  std::string throttle = "0s";
  std::string sink_extra;  // more [[sink.qatrack]] lines
  std::string source_extra;  // more [[source.mpc]] lines
  std::string history = "all";  // the test runs are of 2024

  std::string Text() const {
    std::string t = "[store]\npath = \"" + store + "\"\n";
    t += "[log]\nlevel = \"info\"\nfile = \"" + log_file + "\"\n";
    if (!metrics.empty()) t += "[metrics]\nlisten = \"" + metrics + "\"\n";
    t += "[[source.mpc]]\nname = \"tb\"\ntds = \"" + tds +
         "\"\nzone = \"Europe/Berlin\"\ninterval = \"200ms\"\nsettle = \"0s\"\nwait = \"0s\"\n" +
         (history.empty() ? "" : "history = \"" + history + "\"\n") + source_extra;
    t += "[[sink.qatrack]]\nname = \"qatrack\"\nurl = \"" + url + "\"\ntoken = \"" + token +
         "\"\nserver_zone = \"Europe/Berlin\"\ninterval = \"200ms\"\nthrottle = \"" + throttle +
         "\"\ntimeout = \"5s\"\nconnect_timeout = \"2s\"\n" + sink_extra;
    t += "[[route]]\nfrom = \"tb\"\nto = [\"qatrack\"]\n";
    return t;
  }
};

// A second MPC source "tb2" on `tds`, routed to the sink (appended to Toml::Text()).
inline std::string SecondMpcSource(const std::string& tds) {
  return "[[source.mpc]]\nname = \"tb2\"\ntds = \"" + tds + "\"\nzone = \"Europe/Berlin\"\n"
         "interval = \"200ms\"\nsettle = \"0s\"\nwait = \"0s\"\nhistory = \"all\"\n"
         "[[route]]\nfrom = \"tb2\"\nto = [\"qatrack\"]\n";
}

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_DAEMON_TOML_H_
