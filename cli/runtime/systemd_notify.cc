#include "cli/runtime/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace qcflow::cli {

SystemdNotifier::SystemdNotifier() {
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is this process).
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0 && usec > 0) {
    ping_every_ = std::chrono::microseconds(usec / 2);
  }
}

void SystemdNotifier::Send(const std::string& message) {
  sd_notify(/*unset_environment=*/0, message.c_str());  // < 0: not sent; nothing to do about it
}

void SystemdNotifier::Ready(const std::string& status) {
  Send("READY=1\nSTATUS=" + status);
  last_ping_ = std::chrono::steady_clock::now();  // READY counts as a sign of life
}

void SystemdNotifier::Stopping(const std::string& status) { Send("STOPPING=1\nSTATUS=" + status); }

void SystemdNotifier::Tick() {
  if (!ping_every_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ping_ < *ping_every_) return;
  last_ping_ = now;
  Send("WATCHDOG=1");
}

}  // namespace qcflow::cli
