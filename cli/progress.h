// Progress for long work (backfills): one status line on stderr, rewritten in
// place on a terminal and printed every few seconds otherwise (logs, CI).
#ifndef QCFLOW_CLI_PROGRESS_H_
#define QCFLOW_CLI_PROGRESS_H_

#include <chrono>
#include <string>

namespace qcflow::cli {

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
