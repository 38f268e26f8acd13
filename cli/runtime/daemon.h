// Daemon: the body of `qcflow run`, the long-running pipeline.
//
// Threads: every configured source and sink becomes a runtime part
// (process/component/worker.h), built by its kind (component.h) and driven
// through one contract: Init, Begin, Idle/Unfinished/AddMetrics, BeginStop,
// Join, PersistStopped. Each part owns its thread(s): a polling source
// ([[source.mpc]], [[source.dqa3]]) passes every `interval` and never overlaps
// its previous pass; the iCom capture group listens to every linac and turns
// what it journaled into deliveries; a sink ([[sink.qatrack]]) delivers every
// `interval`, and at once when a routed source queued sessions. The metrics
// server has its io thread when [metrics].listen is set; the caller's thread
// (Run) supervises: stop requests, --until-idle, --max-duration.
//
// Promises:
//   - Nothing that is not ready at start (share unmounted, server down, token
//     rejected) stops the daemon: the worker retries with capped exponential
//     backoff, logs each change of state once (not every retry) and carries on
//     when it recovers. A rejected token pauses the sink; it is re-checked every
//     interval and resumed when accepted.
//   - RequestStop drains: no new pass or delivery starts; the ones in flight
//     (a scan, a transform step, one DeliverOnce batch) finish; state is
//     persisted; the metrics socket closes; the store is synced and closed.
//   - /readyz (metrics listener) is 503 until Run started every part, 200 while
//     running, 503 again once a stop began; systemd (Type=notify) hears
//     READY=1 and STOPPING=1 at the same moments (systemd_notify.h).
//   - After each pass, worker state is persisted in the store ("daemon.source",
//     "daemon.sink", see process/component/worker_state.h) for `qcflow status`.
//
// Thread safety: RequestStop may be called from any thread (e.g. a signal
// watcher), at any time. Run is called once.
#ifndef QCFLOW_CLI_RUNTIME_DAEMON_H_
#define QCFLOW_CLI_RUNTIME_DAEMON_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli/runtime/config.h"
#include "cli/runtime/status_snapshot.h"
#include "store/status.h"
#include "store/store.h"
#include "store/time_util.h"

namespace qcflow::cli {

class MetricsServer;

struct DaemonOptions {
  config::Config config;
  std::string store_dir;  // "" = config.store.path (--store overrides it)
  // Stop once idle: every source made a successful pass with nothing left
  // unsettled and its transform caught up, and no sink has anything pending
  // (items waiting out a backoff are waited for; dead letters are not pending).
  bool until_idle = false;
  // Stop (draining) after this long, idle or not.
  std::optional<std::chrono::milliseconds> max_duration;
  // "now" for scans, transforms and outboxes; default NowMicros. Waiting always
  // uses the real steady clock.
  std::function<MicrosUtc()> clock;
  // Retry delays of a worker that is not ready: start at min(interval, 5 s),
  // double per failure, capped at max(interval, max_backoff).
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
  // Items one DeliverOnce looks at. A drain waits for the batch in flight, so
  // this bounds it (8 x (throttle + request time)); batches repeat while they
  // make progress, so throughput does not suffer.
  size_t sink_batch_limit = 8;
};

enum class StopReason { kRequested, kIdle, kMaxDuration };

struct RunSummary {
  StopReason reason = StopReason::kRequested;
  bool idle = false;  // idle when the daemon stopped (or when it reached idle)
  // When it stopped at idle or max_duration: what was left undone, each with
  // why ("sink qatrack: 1 session(s) not delivered ..."); empty = all done.
  std::vector<std::string> left;
};

class Daemon {
 public:
  // Opens the store, restores transforms, creates the sinks and binds the
  // metrics port. Errors: InvalidArgument (configuration), the store's own
  // errors (locked by another process, damaged), Unavailable (metrics port
  // taken). Logs nothing secret.
  static Result<std::unique_ptr<Daemon>> Create(DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts the workers and blocks until a stop request, idle (until_idle) or
  // max_duration, then drains and closes the store. Non-OK only when the
  // store cannot be synced at the end. REQUIRES: called once.
  Result<RunSummary> Run();

  // Asks Run to drain and return. `why` is logged once.
  void RequestStop(const std::string& why);

  // The metrics port actually bound (0 when metrics are off).
  int metrics_port() const;

  // For tests: the open store (valid until Run returns).
  Store* store() { return store_.get(); }

  // The idle condition at `now` (see DaemonOptions::until_idle).
  bool IsIdle();

  // What is undone now, as every part says (Part::Unfinished): pending
  // uploads and dead letters, sources whose latest pass failed or left work,
  // capture loss. A stream that is simply stopped is not undone.
  std::vector<std::string> Unfinished();

  // What /readyz says: "" once Run started every part, else why not
  // ("starting: ...", "stopping (...)"). Any thread.
  std::string NotReady();

  // The Prometheus text the metrics endpoint serves, from any thread.
  // REQUIRES: Run has not returned (the parts and the store are open).
  std::string RenderMetrics();

  // For the console and read API (cli/console/), from any thread; the same
  // REQUIRES as RenderMetrics. What `qcflow status` would show now:
  Result<StatusSnapshot> Snapshot();
  // The dead letters of `sink` ("" = every sink), a page of them.
  Result<DeadLetterPage> DeadLetters(const std::string& sink, size_t offset, size_t limit);
  // What `qcflow replay --dead-letters` does, without stopping the daemon:
  // moves the dead letters of `sink` ("" = every sink) back to pending and
  // wakes the sinks. How many moved; NotFound for a name that is no sink.
  Result<size_t> RetryDeadLetters(const std::string& sink);
  // The store's derived records (sessions, deliveries), for read-only views
  // such as the console's trends and deliveries; thread-safe as the store is.
  Derived& derived();
  // Keeps `service` (the console server) while the daemon runs. Run destroys
  // it after the workers stopped and before the store closes, so the service
  // may call the methods above until its destructor returns.
  void Attach(std::shared_ptr<void> service);

 private:
  explicit Daemon(DaemonOptions options);
  Status Init();
  void PersistProcess(bool stopped);
  // Logs the store's writability when it changes (one line each way).
  void WatchStore();
  void SetNotReady(std::string why);

  DaemonOptions options_;
  std::unique_ptr<Store> store_;
  // Built sinks first (sources kick the sinks they are routed to).
  std::vector<std::unique_ptr<component::Part>> sinks_;
  std::vector<std::unique_ptr<component::Part>> sources_;
  std::unique_ptr<MetricsServer> metrics_;
  std::vector<std::shared_ptr<void>> services_;  // Attach; before the store in ~Daemon
  MicrosUtc started_at_ = 0;
  int metrics_port_ = 0;
  bool store_writable_ = true;  // as last logged; supervisor thread only
  std::mutex readiness_mu_;
  std::string not_ready_ = "starting: the sources and sinks have not started yet";  // guarded by readiness_mu_

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;  // guarded by mu_
  std::string stop_why_;         // guarded by mu_
};

const char* StopReasonName(StopReason r);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_DAEMON_H_
