// SystemdNotifier: tells systemd (a Type=notify unit) how the daemon is doing,
// through sd_notify(3): READY=1 once every component started, STOPPING=1 when
// a stop begins, and WATCHDOG=1 every half WatchdogSec= when the unit sets one
// (WATCHDOG_USEC). Each message carries a STATUS= line for `systemctl status`.
//
// Not started by systemd (no NOTIFY_SOCKET): every call does nothing. A
// message that cannot be sent is not an error: the daemon's work comes first.
// Not thread-safe: the daemon's supervisor thread owns it.
#ifndef QCFLOW_CLI_RUNTIME_SYSTEMD_NOTIFY_H_
#define QCFLOW_CLI_RUNTIME_SYSTEMD_NOTIFY_H_

#include <chrono>
#include <optional>
#include <string>

namespace qcflow::cli {

class SystemdNotifier {
 public:
  // Reads WATCHDOG_USEC (and WATCHDOG_PID) once.
  SystemdNotifier();

  void Ready(const std::string& status);
  void Stopping(const std::string& status);
  // Call often (every supervisor tick): sends WATCHDOG=1 once half the
  // watchdog interval passed since the last one. Nothing without a watchdog.
  void Tick();

  // How often Tick pings; nullopt without a watchdog.
  std::optional<std::chrono::microseconds> ping_every() const { return ping_every_; }

 private:
  void Send(const std::string& message);

  std::optional<std::chrono::microseconds> ping_every_;
  std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_SYSTEMD_NOTIFY_H_
