// The runtime part of a [[sink.qatrack]]: checks the connection (the token),
// then delivers the outbox every `interval`, and at once when a routed source
// queued sessions. A rejected token pauses the sink (nothing is lost); it is
// re-checked every interval and resumed when accepted. The configured URL's
// credentials never reach a log line or `qcflow status` (SafeUrl).
#ifndef QCFLOW_EXPORT_QATRACK_QATRACK_WORKER_H_
#define QCFLOW_EXPORT_QATRACK_QATRACK_WORKER_H_

#include <memory>
#include <string>

#include "export/qatrack/qatrack_component.h"
#include "export/qatrack/qatrack_sink.h"
#include "process/component/outbox_sink_worker.h"

namespace qcflow::qatrack {

class QatrackWorker : public component::OutboxSinkWorker {
 public:
  QatrackWorker(const QatrackSinkSettings& config, component::PartEnv env,
                std::unique_ptr<QatrackSink> sink);
  ~QatrackWorker() override;

 protected:
  DeadLetterWording DeadLetters() const override {
    return {"refused by the server", "fix the cause in QATrack+, then run qcflow replay --dead-letters"};
  }
  // `msg` with the configured URL replaced by url_.
  std::string Clean(std::string msg) const override;

 private:
  void Loop() override;
  // Returns when to run next.
  component::SteadyTime Connect();
  component::SteadyTime Deliver();

  std::string url_;      // SafeUrl(api_url): what logs and status show
  std::string raw_url_;  // as configured; never logged
  std::unique_ptr<QatrackSink> sink_;
  bool connected_ = false;
};

}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_QATRACK_WORKER_H_
