#include "cli/runtime/log_tail.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace qcflow::cli {
namespace {

constexpr const char* kLevelNames[] = {"trace", "debug", "info", "warn", "error", "critical"};

// spdlog's base_sink holds the lock around sink_it_; the tail has its own
// lock for readers on the console's thread.
class TailSink : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit TailSink(LogTail* tail) : tail_(tail) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch());
    tail_->Add({us.count(), static_cast<int>(msg.level),
                std::string(msg.logger_name.data(), msg.logger_name.size()),
                std::string(msg.payload.data(), msg.payload.size())});
  }
  void flush_() override {}

 private:
  LogTail* tail_;
};

}  // namespace

std::string LogLevelName(int level) {
  return level >= 0 && level < 6 ? kLevelNames[level] : "off";
}

int ParseLogLevel(const std::string& name) {
  if (name == "warning") return 3;
  if (name == "err") return 4;
  for (int i = 0; i < 6; ++i) {
    if (name == kLevelNames[i]) return i;
  }
  return -1;
}

LogTail::LogTail(size_t per_component) : per_component_(per_component) {}

void LogTail::Add(LogLine line) {
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<LogLine>& ring = lines_[line.component];
  ring.push_back(std::move(line));
  if (ring.size() > per_component_) ring.pop_front();
}

std::vector<LogLine> LogTail::Lines(const std::string& component, int min_level) const {
  std::vector<LogLine> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, ring] : lines_) {
      if (!component.empty() && name != component) continue;
      for (const LogLine& l : ring) {
        if (l.level >= min_level) out.push_back(l);
      }
    }
  }
  // Newest first (of equal times, the one written later).
  std::stable_sort(out.begin(), out.end(), [](const LogLine& a, const LogLine& b) { return a.at < b.at; });
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> LogTail::Components() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, ring] : lines_) out.push_back(name);
  return out;
}

std::shared_ptr<spdlog::sinks::sink> LogTail::Sink() { return std::make_shared<TailSink>(this); }

}  // namespace qcflow::cli
