// The runtime part of a [[source.dqa3]]: every `interval` a pass polls the
// DQA3 database (Dqa3Source: schema detection, machines, rows of the last
// history_days) into the journal, then steps the DQA3 transform until caught
// up, which queues sessions in the routed sinks' outboxes. A database that is
// down or unreadable makes the worker retry with backoff (PollingWorker);
// other sources never wait for it. The password never appears in a log line
// or in `qcflow status`.
#ifndef QCFLOW_INGEST_DQA3_DQA3_WORKER_H_
#define QCFLOW_INGEST_DQA3_DQA3_WORKER_H_

#include <memory>
#include <string>
#include <vector>

#include "ingest/dqa3/dqa3_component.h"
#include "process/component/worker.h"

namespace qcflow::dqa3 {

class Dqa3Worker : public component::PollingWorker {
 public:
  Dqa3Worker(const Dqa3SourceSettings& config, component::PartEnv env,
             std::vector<component::Part*> sinks);
  ~Dqa3Worker() override;
  // Restores the transform and the counters of earlier runs.
  Status Init() override;
  // The qcflow_source_* families and the qcflow_dqa3_* ones.
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override;

 private:
  bool Pass() override;
  std::string Doing() const override;

  Dqa3SourceSettings config_;
  std::unique_ptr<Dqa3Source> source_;
  std::unique_ptr<Dqa3Transform> transform_;
};

// Machines of `machines` that `unit_map` does not name (by display name,
// machine name or id, as the transform matches them): their rows are held.
std::vector<std::string> UnmappedMachines(const std::vector<Dqa3Machine>& machines,
                                          const UnitMap& unit_map);

// `qcflow status`: the table of DQA3 databases (ComponentKind::status).
Status Dqa3Status(Store& store, std::vector<component::SourceState>* states,
                  component::StatusReport* report);

}  // namespace qcflow::dqa3

#endif  // QCFLOW_INGEST_DQA3_DQA3_WORKER_H_
