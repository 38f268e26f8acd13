// Test helpers for end-to-end tests of the qcflow binary: a child process
// (killed if the test ends early), polling with a bound, file reading and a
// free loopback port. No timing assertions: waits poll for an outcome.
#ifndef QCFLOW_TESTS_TESTING_CHILD_PROCESS_H_
#define QCFLOW_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace qcflow::testing {

inline constexpr std::chrono::seconds kPatience{40};  // bound of every wait

// Polls `done` every 50 ms until it holds or `limit` passes; returns done().
bool Eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = kPatience);

// The whole file ("" when it cannot be read).
std::string ReadAll(const std::string& path);

// A loopback TCP port nothing listens on (bound, then released).
int FreePort();

// `argv[0]` = binary; stdout and stderr appended to `output`. The child dies
// with the test process (PR_SET_PDEATHSIG) and is SIGKILLed by the destructor
// if it has not exited.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary, const std::vector<std::string>& args,
               const std::string& output);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Signal(int sig);
  // The exit code, or -1 when it did not exit within `limit` (or was killed).
  int Wait(std::chrono::milliseconds limit = kPatience);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_CHILD_PROCESS_H_
