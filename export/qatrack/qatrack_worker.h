// The runtime part of a [[sink.qatrack]]: checks the connection (the token),
// then delivers the outbox every `interval`, and at once when a routed source
// queued sessions. A rejected token pauses the sink (nothing is lost); it is
// re-checked every interval and resumed when accepted. The configured URL's
// credentials never reach a log line or `qcflow status` (SafeUrl).
#ifndef QCFLOW_EXPORT_QATRACK_QATRACK_WORKER_H_
#define QCFLOW_EXPORT_QATRACK_QATRACK_WORKER_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "export/qatrack/qatrack_component.h"
#include "export/qatrack/qatrack_sink.h"
#include "process/component/worker.h"

namespace qcflow::qatrack {

class QatrackWorker : public component::Part {
 public:
  QatrackWorker(const QatrackSinkSettings& config, component::PartEnv env,
                std::unique_ptr<QatrackSink> sink);
  ~QatrackWorker() override;
  Status Init() override { return Status::OK(); }
  void PersistStopped() override;
  // Nothing pending in its outbox (items waiting out a backoff are pending).
  bool Idle(MicrosUtc now) const override;
  // Pending uploads (with the latest error) and dead letters (with the reason).
  void Unfinished(MicrosUtc now, std::vector<std::string>* left) const override;
  // The qcflow_sink_* families.
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override;
  size_t sources() const override { return 0; }
  const std::string& name() const { return name_; }
  // What the latest pass recorded (the "daemon.sink" record's content).
  component::SinkState State() const;
  // The error of the first pending item ("" when none), URL redacted.
  std::string HeadError() const;
  // Why the newest dead letter was refused ("" when none), URL redacted.
  std::string NewestDeadLetterReason() const;

 private:
  void Loop() override;
  // Returns when to run next.
  component::SteadyTime Connect();
  component::SteadyTime Deliver();
  // Logs `line` (info for "ok", else warn) when the state changed since the
  // last log, else at debug; records state and detail.
  void Enter(const std::string& state, const std::string& detail, const std::string& line);
  void Persist(component::SteadyTime next);
  // `msg` with the configured URL replaced by url_.
  std::string Clean(std::string msg) const;

  std::string name_;
  std::string url_;      // SafeUrl(api_url): what logs and status show
  std::string raw_url_;  // as configured; never logged
  component::Millis interval_;
  component::PartEnv env_;
  std::unique_ptr<QatrackSink> sink_;
  bool connected_ = false;
  uint32_t failures_ = 0;
  std::string logged_state_;  // the state last logged

  mutable std::mutex mu_;  // guards the three below
  component::SinkState state_;
  bool up_ = false;      // connected and the latest batch did not fail
  bool paused_ = false;  // token rejected
};

}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_QATRACK_WORKER_H_
