#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace qcflow::cli {

void PrintProblems(const std::vector<std::string>& problems, const std::string& more_hint) {
  constexpr size_t kShown = 20;
  for (size_t i = 0; i < problems.size() && i < kShown; ++i) std::cout << "  ! " << problems[i] << "\n";
  if (problems.size() > kShown) {
    std::cout << "  ! ... and " << problems.size() - kShown << " more"
              << (more_hint.empty() ? "" : " (" + more_hint + ")") << "\n";
  }
}

std::string PerSecond(uint64_t n, double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f/s", seconds > 0 ? double(n) / seconds : 0.0);
  return buf;
}

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
