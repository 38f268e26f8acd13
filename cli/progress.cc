#include "cli/progress.h"

#include <unistd.h>

#include <iostream>

namespace qcflow::cli {

Progress::Progress(std::string label)
    : label_(std::move(label)),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Update(const std::string& text, bool force) {
  auto now = std::chrono::steady_clock::now();
  auto every = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (!force && now - last_ < every) return;
  last_ = now;
  shown_ = true;
  if (tty_) {
    std::cerr << "\r\033[K" << label_ << ": " << text << std::flush;
  } else {
    std::cerr << label_ << ": " << text << "\n";
  }
}

void Progress::Done(const std::string& text) {
  if (tty_) {
    std::cerr << "\r\033[K" << label_ << ": " << text << "\n";
  } else {
    std::cerr << label_ << ": " << text << "\n";
  }
}

}  // namespace qcflow::cli
