// Test helper: runs the qcflow binary as a user's shell would, and returns its
// exit code and everything it printed (stdout and stderr together).
#ifndef QCFLOW_TESTS_TESTING_RUN_QCFLOW_H_
#define QCFLOW_TESTS_TESTING_RUN_QCFLOW_H_

#include <string>

namespace qcflow::testing {

struct Run {
  int exit_code;    // -1 when the binary did not exit normally
  std::string out;  // stdout and stderr together
};

// Runs `binary + " " + args` through the shell (popen) and waits for it. `args`
// is shell text: quote what needs quoting.
Run RunQcflow(const std::string& binary, const std::string& args);

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_RUN_QCFLOW_H_
