// INTERNAL to the daemon (cli/daemon.cc): the per-source and per-sink worker
// threads. See daemon.h for the promises they keep together.
#ifndef QCFLOW_CLI_RUNTIME_DAEMON_WORKERS_H_
#define QCFLOW_CLI_RUNTIME_DAEMON_WORKERS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/runtime/config.h"
#include "cli/runtime/daemon_state.h"
#include "export/qatrack/qatrack_sink.h"
#include "ingest/mpc/tds_scanner.h"
#include "process/mpc/mpc_transform.h"
#include "store/store.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace qcflow::cli {

using Millis = std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

struct WorkerEnv {
  Store* store = nullptr;
  std::function<MicrosUtc()> clock;
  Millis max_backoff{std::chrono::minutes(5)};
  std::map<std::string, std::string> log_levels;  // Config::log_levels
};

// Delay before retry number `failures` (>= 1) of a worker polling every
// `interval`: min(interval, 5 s) doubled per failure, capped at
// max(interval, max_backoff).
Millis RetryDelay(Millis interval, uint32_t failures, Millis max_backoff);
// "250ms", "40s", "5m", "1h30m".
std::string HumanDuration(Millis d);
// Logs the first 10 problems of a pass as warnings ("<who>: <problem>") and
// counts the rest in one line.
void LogProblems(spdlog::logger& log, const std::string& who, const std::vector<std::string>& problems);

// What a worker does between its passes: sleep until `until`, waking early on
// Stop() and, when `kickable`, on Kick(). Shared by both workers.
class WorkerThread {
 public:
  // Derived classes must Stop() and Join() in their own destructor (Loop is
  // theirs); this one only checks nothing is left running.
  virtual ~WorkerThread();
  void Start();
  // Asks the loop to end after the work in flight. Does not block.
  void Stop();
  void Join();
  // Wakes a kickable wait early (sinks: a routed source queued sessions).
  void Kick();

 protected:
  bool stopping() const;
  // This component's logger (logging.h ComponentLogger: its own log_level);
  // spdlog's default logger until SetLogger.
  spdlog::logger& log() const;
  void SetLogger(std::shared_ptr<spdlog::logger> logger) { log_ = std::move(logger); }
  // Returns false when stopping.
  bool WaitUntil(SteadyTime until, bool kickable);
  virtual void Loop() = 0;

 private:
  mutable std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool stop_ = false;    // guarded by wake_mu_
  bool kicked_ = false;  // guarded by wake_mu_
  std::thread thread_;
  std::shared_ptr<spdlog::logger> log_;
};

// Per-worker numbers read by the supervisor (idle) and the metrics endpoint.
struct SourceSnapshot {
  std::string name;
  bool up = false;                // the latest pass succeeded
  bool idle = false;              // ... and left nothing unsettled, transform caught up, not running
  MicrosUtc last_success = 0;
};

// A source polled every `interval`: the loop, backoff, logging of state
// changes and persistence shared by [[source.mpc]] and [[source.dqa3]]. A
// derived class does one pass in Pass() and records its outcome in state_ and
// snapshot_ (under mu_).
class PollingWorker : public WorkerThread {
 public:
  PollingWorker(std::string name, std::string kind, Millis interval, WorkerEnv env,
                std::vector<WorkerThread*> sinks);
  SourceSnapshot Snapshot() const;
  // What the latest pass recorded (the "daemon.source" record's content).
  SourceState State() const;
  const std::string& name() const { return name_; }
  // Persists the final state ("stopped"). Call after Join.
  void PersistStopped();

 protected:
  // Restores the counters earlier runs persisted (sessions, late, passes, last_ok).
  Status RestoreCounters();
  // One pass; returns whether it succeeded (state_.state/last_error say why not).
  virtual bool Pass() = 0;
  // What the source does, for the log: "TDS directory /x every 5m (zone Z)".
  virtual std::string Doing() const = 0;
  void KickSinks();

  const std::string name_;
  WorkerEnv env_;
  std::vector<WorkerThread*> sinks_;
  mutable std::mutex mu_;  // guards state_ and snapshot_ (read by other threads)
  SourceState state_;
  SourceSnapshot snapshot_;

 private:
  void Loop() override;
  void Persist();

  Millis interval_;
  uint32_t failures_ = 0;
  std::string logged_state_;  // the state last logged; "" before the first pass
};

// [[source.mpc]]: each pass scans the TDS share and steps the MPC transform.
class SourceWorker : public PollingWorker {
 public:
  // `sinks`: the workers of the sinks this source's sessions are routed to.
  SourceWorker(const config::MpcSource& config, WorkerEnv env, std::vector<WorkerThread*> sinks);
  // Joins here, while the members Loop uses still exist.
  ~SourceWorker() override;
  // Restores the transform and the counters of earlier runs.
  Status Init();

 private:
  bool Pass() override;
  std::string Doing() const override;

  config::MpcSource config_;
  mpc::TdsScanner scanner_;         // its since is set by Init (the history window)
  std::optional<MicrosUtc> since_;  // the history window's start; nullopt = all
  bool logged_too_old_ = false;
  std::unique_ptr<mpc::MpcTransform> transform_;
};

struct SinkSnapshot {
  std::string name;
  bool up = false;      // connected and the latest batch did not fail
  bool paused = false;  // token rejected
  MicrosUtc last_success = 0;
};

class SinkWorker : public WorkerThread {
 public:
  SinkWorker(const config::QatrackSink& config, WorkerEnv env,
             std::unique_ptr<qatrack::QatrackSink> sink);
  ~SinkWorker() override;
  SinkSnapshot Snapshot() const;
  // What the latest pass recorded (the "daemon.sink" record's content).
  SinkState State() const;
  const std::string& name() const { return name_; }
  void PersistStopped();
  // The error of the first pending item ("" when none), URL redacted.
  std::string HeadError() const;
  // Why the newest dead letter was refused ("" when none), URL redacted.
  std::string NewestDeadLetterReason() const;

 private:
  void Loop() override;
  // Returns when to run next.
  SteadyTime Connect();
  SteadyTime Deliver();
  // Logs `line` (info for "ok", else warn) when the state changed since the
  // last log, else at debug; records state and detail.
  void Enter(const std::string& state, const std::string& detail, const std::string& line);
  void Persist(SteadyTime next);
  // `msg` with the configured URL replaced by url_.
  std::string Clean(std::string msg) const;

  std::string name_;
  std::string url_;      // SafeUrl(api_url): what logs and status show
  std::string raw_url_;  // as configured; never logged
  Millis interval_;
  WorkerEnv env_;
  std::unique_ptr<qatrack::QatrackSink> sink_;
  bool connected_ = false;
  uint32_t failures_ = 0;
  std::string logged_state_;  // the state last logged

  mutable std::mutex mu_;  // guards state_ and snapshot_
  SinkState state_;
  SinkSnapshot snapshot_;
};

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_DAEMON_WORKERS_H_
