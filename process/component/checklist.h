// What `qcflow validate` gives every component to check itself with: the
// checklist it prints (one line per check, as it happens) and what the sources
// found that a sink will need.
#ifndef QCFLOW_PROCESS_COMPONENT_CHECKLIST_H_
#define QCFLOW_PROCESS_COMPONENT_CHECKLIST_H_

#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace qcflow::component {

class Component;

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
  std::map<std::string, std::string> macro_types;  // macro -> the test type it needs ("upload")
};

// One validate run, shared by the checks of every component. Sources are
// checked before sinks, so a sink finds what the sources routed to it found.
struct CheckContext {
  Checklist* list = nullptr;
  // By source name: what its data will need from a sink.
  std::map<std::string, std::vector<ExpectedUpload>> uploads;
  // Every enabled component, sources first.
  std::vector<const Component*> components;

  // The uploads of every source routed to `sink`.
  std::vector<ExpectedUpload> UploadsRoutedTo(const std::string& sink) const;
};

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_CHECKLIST_H_
