// INTERNAL to the daemon (cli/daemon.cc): a [[source.dqa3]] worker. Every
// `interval` a pass polls the DQA3 database (Dqa3Source: schema detection,
// machines, rows of the last history_days) into the journal, then steps the
// DQA3 transform until caught up, which queues sessions in the routed sinks'
// outboxes. A database that is down or unreadable makes the worker retry with
// backoff (PollingWorker); other sources never wait for it. The password never
// appears in a log line or in `qcflow status`.
#ifndef QCFLOW_CLI_RUNTIME_DAEMON_DQA3_H_
#define QCFLOW_CLI_RUNTIME_DAEMON_DQA3_H_

#include <memory>
#include <string>
#include <vector>

#include "cli/runtime/config.h"
#include "cli/runtime/daemon_workers.h"

namespace qcflow::cli {

class Dqa3Worker : public PollingWorker {
 public:
  Dqa3Worker(const config::Dqa3Source& config, WorkerEnv env, std::vector<WorkerThread*> sinks);
  ~Dqa3Worker() override;
  // Restores the transform and the counters of earlier runs.
  Status Init();

 private:
  bool Pass() override;
  std::string Doing() const override;

  config::Dqa3Source config_;
  std::unique_ptr<dqa3::Dqa3Source> source_;
  std::unique_ptr<dqa3::Dqa3Transform> transform_;
};

// Machines of `machines` that `unit_map` does not name (by display name,
// machine name or id, as the transform matches them): their rows are held.
std::vector<std::string> UnmappedMachines(const std::vector<dqa3::Dqa3Machine>& machines,
                                          const UnitMap& unit_map);

}  // namespace qcflow::cli

#endif  // QCFLOW_CLI_RUNTIME_DAEMON_DQA3_H_
