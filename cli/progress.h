// Progress for long work (backfills): one status line on stderr, rewritten in
// place on a terminal and printed every few seconds otherwise (logs, CI).
#ifndef QCFLOW_CLI_PROGRESS_H_
#define QCFLOW_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace qcflow::cli {

// "1234/s": n items over `seconds` (0/s when no time passed).
std::string PerSecond(uint64_t n, double seconds);

// A backfill summary's problems on stdout, "  ! <problem>" each, the first 20
// and a count of the rest (followed by `more_hint` when given).
void PrintProblems(const std::vector<std::string>& problems, const std::string& more_hint = "");

class Progress {
 public:
  explicit Progress(std::string label);
  // Shows `text` if enough time passed since the last update (or `force`).
  void Update(const std::string& text, bool force = false);
  // Ends the line; later output starts on a fresh line.
  void Done(const std::string& text);
  double seconds() const;

 private:
  std::string label_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_PROGRESS_H_
