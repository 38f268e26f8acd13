// The runtime parts of components: what `qcflow run` drives, one interface for
// every kind (process/component/component.h builds them from a config).
//
// A Part owns one thread (WorkerThread) and keeps the daemon's promises
// (cli/runtime/daemon.h): nothing unready stops it (it retries with capped
// exponential backoff, RetryDelay), it logs each change of state once, it
// persists its state after each pass for `qcflow status` (worker_state.h), and
// a stop request lets the work in flight finish. PollingWorker is the shared
// body of sources polled every `interval`.
#ifndef QCFLOW_PROCESS_COMPONENT_WORKER_H_
#define QCFLOW_PROCESS_COMPONENT_WORKER_H_

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

#include "process/common/session_mapping.h"
#include "process/component/worker_state.h"
#include "store/journal.h"
#include "store/record.h"
#include "store/store.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace qcflow::component {

using Millis = std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

class MetricFamilies;
class Part;

// A source whose transform stores sessions, as replay and the sinks see it
// without knowing its kind.
struct SessionSource {
  std::string name;
  std::vector<std::string> source_ids;  // ids its sessions carry (the name; an MPC
                                        // backfill may have used the TDS path)
  std::string zone;                     // its wall clock, for replay --since
  std::vector<std::string> sinks;       // from the routes
  SessionMapping mapping;               // units map and test list template now
};

// What the runtime gives every part it builds.
struct PartEnv {
  Store* store = nullptr;
  std::function<MicrosUtc()> clock;
  Millis max_backoff{std::chrono::minutes(5)};
  std::map<std::string, std::string> log_levels;  // component name -> its log_level
  size_t sink_batch_limit = 8;                    // items one sink delivery looks at
  std::vector<SessionSource> session_sources;     // every source that stores sessions
  // The parts of the sinks `names` (a source kicks them when it queued
  // sessions). Sinks are built before sources. Call it only while building;
  // the parts it returns live as long as the daemon.
  std::function<std::vector<Part*>(const std::vector<std::string>& names)> sinks_named;
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
// `msg` without a trailing "; will retry" (the worker says when it retries).
std::string WithoutRetryNote(std::string msg);
// The UTC time `at` (a steady-clock instant) corresponds to, ISO-8601.
std::string IsoAt(const std::function<MicrosUtc()>& clock, SteadyTime at);
// A 0 interval must not spin.
inline constexpr Millis kMinInterval{50};

// What a worker does between its passes: sleep until `until`, waking early on
// Stop() and, when `kickable`, on Kick().
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
  // This component's logger (its own log_level); spdlog's default until SetLogger.
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

// The one contract between the daemon and a running source or sink. The
// daemon calls, in order: Init, Begin, (Idle/Unfinished/AddMetrics from other
// threads at any time), BeginStop, Join, PersistStopped.
class Part : public WorkerThread {
 public:
  // Restores what earlier runs persisted (transform cursors, counters).
  virtual Status Init() = 0;
  // Starts the work (default: the thread). A streaming source connects here.
  virtual void Begin() { Start(); }
  // The first step of a drain (default: Stop). A streaming source closes its
  // sockets here and hands what it received to the journal.
  virtual void BeginStop() { Stop(); }
  // Records the final state ("stopped"). REQUIRES: joined.
  virtual void PersistStopped() = 0;
  // Nothing left to do now: sources caught up and settled, sinks with nothing
  // pending (dead letters are not pending).
  virtual bool Idle(MicrosUtc now) const = 0;
  // What is left undone, one sentence each, with why and what to do.
  virtual void Unfinished(MicrosUtc now, std::vector<std::string>* left) const = 0;
  // Its metric families and samples. `counts`: the journal's, per source.
  virtual void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                          MetricFamilies* m) const = 0;
  // What it does while the store refuses writes, when more than "retries
  // with backoff" ("capture is buffered up to ..."); "" otherwise.
  virtual std::string WhileStoreRefuses() const { return ""; }
  // How many configured sources it runs (a capture group runs several).
  virtual size_t sources() const { return 1; }
};

// A source polled every `interval`: the loop, backoff, logging of state
// changes, persistence, idle, unfinished and the qcflow_source_* metrics. A
// derived class does one pass in Pass() and records its outcome in state_ and
// the protected fields (under mu_).
class PollingWorker : public Part {
 public:
  // `kind`: the journal kind of its records (metrics count them) and the
  // state record's "kind". `sinks`: the parts its sessions are routed to.
  PollingWorker(std::string name, Kind kind, Millis interval, PartEnv env, std::vector<Part*> sinks);
  const std::string& name() const { return name_; }
  // What the latest pass recorded (the "daemon.source" record's content).
  SourceState State() const;
  void PersistStopped() override;
  bool Idle(MicrosUtc now) const override;
  void Unfinished(MicrosUtc now, std::vector<std::string>* left) const override;
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  MetricFamilies* m) const override;

 protected:
  // Restores the counters earlier runs persisted (sessions, late, passes,
  // last_ok) and, of the kind's own fields, the totals named in `extra_totals`.
  Status RestoreCounters(std::initializer_list<const char*> extra_totals = {});
  // One pass; returns whether it succeeded (state_.state/last_error say why not).
  virtual bool Pass() = 0;
  // What the source does, for the log: "TDS directory /x every 5m (zone Z)".
  virtual std::string Doing() const = 0;
  // Why a successful pass is not idle, for Unfinished.
  virtual std::string NotIdleWhy() const { return "records not yet grouped"; }
  void KickSinks();
  // Quarantined records of `source_id` of this kind in the journal.
  uint64_t QuarantinedTotal(const std::string& source_id) const;

  const std::string name_;
  const Kind kind_;
  PartEnv env_;
  std::vector<Part*> sinks_;
  mutable std::mutex mu_;  // guards state_ and the three below (read by other threads)
  SourceState state_;
  bool up_ = false;            // the latest pass succeeded
  bool idle_ = false;          // ... left nothing unsettled, transform caught up, not running
  MicrosUtc last_success_ = 0;

 private:
  void Loop() override;
  void Persist();

  Millis interval_;
  uint32_t failures_ = 0;
  std::string logged_state_;  // the state last logged; "" before the first pass
};

// Replaces the derived record `ns`/`key` with `value` in one commit.
Status ReplaceState(Store* store, const char* ns, const std::string& key, std::string value);

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_WORKER_H_
