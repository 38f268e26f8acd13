// INTERNAL to the daemon (cli/daemon.cc): iCom for every [[source.icom]].
//
// One CaptureGroup (one io_context, one journal writer thread) connects to
// every linac; the IcomWorker thread turns what it journals into deliveries
// (IcomTransform, one cursor for all linacs, shared with `qcflow backfill
// icom`) every deliveries_interval and records each linac's connection state
// for `qcflow status` ("daemon.source" / <linac>, kind "icom").
//
// Stop order (Daemon::Run): StopCapture closes every socket with a FIN and
// drains the hand-off queues into the journal; then the worker's own
// Stop/Join ends the transform after the step in flight.
#ifndef QCFLOW_CLI_RUNTIME_DAEMON_ICOM_H_
#define QCFLOW_CLI_RUNTIME_DAEMON_ICOM_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cli/runtime/config.h"
#include "cli/runtime/daemon_state.h"
#include "cli/runtime/daemon_workers.h"
#include "cli/runtime/metrics_server.h"
#include "ingest/icom/capture.h"

namespace qcflow::icom {
class IcomTransform;
}

namespace qcflow::cli {

struct IcomLinacSnapshot {
  icom::IcomCaptureStats capture;
  uint64_t deliveries = 0;  // stored for this linac, as of the latest count
};

class IcomWorker : public WorkerThread {
 public:
  // REQUIRES: !sources.empty().
  IcomWorker(std::vector<config::IcomSource> sources, WorkerEnv env);
  ~IcomWorker() override;

  // Restores the transform (open deliveries) and counts stored deliveries.
  Status Init();
  // Connects to every linac. Call before Start().
  Status StartCapture();
  // FIN on every socket, queues drained into the journal. Idempotent.
  void StopCapture();

  std::vector<IcomLinacSnapshot> Snapshot() const;
  // Every framed message is journaled (or counted as lost) and the
  // transform has caught up with the journal.
  bool Idle() const;
  // Persists each linac's final state ("stopped"). Call after Join.
  void PersistStopped();
  // The qcflow_icom_* metric families.
  void RenderMetrics(PromText* p) const;

 private:
  void Loop() override;
  // One transform pass (steps until caught up or stopping); false on a store error.
  bool Pass();
  void RecountDeliveries();
  void LogGarbage(size_t source, const icom::IcomCaptureStats& stats);
  void Persist(const std::string& state, const std::string& next_run);

  std::vector<config::IcomSource> sources_;
  WorkerEnv env_;
  Millis interval_;
  std::unique_ptr<icom::CaptureGroup> capture_;
  std::unique_ptr<icom::IcomTransform> transform_;
  uint32_t failures_ = 0;
  std::string logged_state_;
  // Per source, the connection state last logged: 0 none yet, 1 up, 2 down.
  std::vector<int> logged_connection_;
  // Per source: the first garbage disconnect after messages is logged, the
  // rest of that streak is not.
  struct GarbageLog {
    uint64_t messages = 0, disconnects = 0;
    bool streak = false;
  };
  std::vector<GarbageLog> garbage_log_;
  // Set before the capture stops: its sockets closing is not a lost linac.
  std::atomic<bool> capture_stopping_{false};
  SteadyTime capture_started_{};
  SteadyTime last_count_{};

  mutable std::mutex mu_;  // guards the fields below (read by metrics and the supervisor)
  std::vector<uint64_t> deliveries_;  // per source, as counted
  std::vector<std::shared_ptr<spdlog::logger>> linac_log_;  // per source (its log_level)
  bool caught_up_ = false;
  std::string last_error_;
  MicrosUtc last_ok_ = 0;
  uint64_t caught_up_seq_ = 0;  // journal last_seq when the transform last caught up
};

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_DAEMON_ICOM_H_
