// The shared body of every sink that delivers its outbox (QATrack+, the QuAAC
// and QUIP archives): one log line per change of state, its state persisted
// for `qcflow status` after each pass, Idle and Unfinished from the outbox
// counters, and the qcflow_sink_* metrics. A kind's worker adds its loop
// (Part::Loop) and says how its dead letters are fixed.
#ifndef QCFLOW_PROCESS_COMPONENT_OUTBOX_SINK_WORKER_H_
#define QCFLOW_PROCESS_COMPONENT_OUTBOX_SINK_WORKER_H_

#include <mutex>
#include <string>
#include <vector>

#include "process/component/worker.h"
#include "process/component/worker_state.h"

namespace qcflow::component {

class OutboxSinkWorker : public Part {
 public:
  // DeliverOnce calls per pass at most: small batches (PartEnv::sink_batch_limit)
  // so a stop request waits for one batch at most, looping while they progress.
  static constexpr int kMaxBatchesPerPass = 1000;

  // `kind`: SinkState::kind ("qatrack"), what status groups it by.
  OutboxSinkWorker(std::string name, std::string kind, Millis interval, PartEnv env);
  Status Init() override { return Status::OK(); }
  void PersistStopped() override;
  // Nothing pending in its outbox (items waiting out a backoff are pending).
  bool Idle(MicrosUtc now) const override;
  // Pending items (with the latest error) and dead letters (with the reason).
  void Unfinished(MicrosUtc now, std::vector<std::string>* left) const override;
  // qcflow_sink_pending, _in_backoff, _dead_letters, _delivered_total,
  // _last_success_timestamp_seconds, _paused, _up.
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  MetricFamilies* m) const override;
  size_t sources() const override { return 0; }
  const std::string& name() const { return name_; }
  // What the latest pass recorded (the "daemon.sink" record's content).
  SinkState State() const;
  // The error of the first pending item ("" when none), cleaned.
  std::string HeadError() const;
  // Why the newest dead letter was refused ("" when none), cleaned.
  std::string NewestDeadLetterReason() const;

 protected:
  // Who refuses a dead letter and how a person fixes it, for Unfinished:
  // {"refused by the server", "fix the cause in QATrack+, then run ..."}.
  struct DeadLetterWording {
    std::string refused_by;
    std::string fix;
  };
  virtual DeadLetterWording DeadLetters() const = 0;
  // `msg` as logs and status may show it (a URL's credentials removed).
  virtual std::string Clean(std::string msg) const { return msg; }
  // Logs `line` (info for "ok", else warn) when the state changed since the
  // last log, else at debug; records state and detail ("paused" sets paused).
  void Enter(const std::string& state, const std::string& detail, const std::string& line);
  // After the store failed in a pass: logs and records "error" and returns
  // when to retry (RetryDelay with the consecutive failures).
  SteadyTime StoreFailed(const Status& failed);
  // Records the start of a pass (SinkState::last_run).
  void MarkRun();
  void RecordRound(uint64_t delivered, uint64_t dead_lettered);
  // Writes the state with `next` as its next run (SteadyTime{}: none).
  void Persist(SteadyTime next);

  const std::string name_;
  const Millis interval_;
  PartEnv env_;
  uint32_t failures_ = 0;  // consecutive failed passes (loop thread only)

 private:
  std::string logged_state_;  // the state last logged (loop thread only)
  mutable std::mutex mu_;     // guards the three below
  SinkState state_;
  bool up_ = false;      // the latest pass succeeded
  bool paused_ = false;
};

}  // namespace qcflow::component

#endif  // QCFLOW_PROCESS_COMPONENT_OUTBOX_SINK_WORKER_H_
