// The runtime part of a [[source.file_mover]]: at start it removes the
// temporaries a killed run left in the destination, then every `interval` a
// pass (FileMover::Pass) transfers the settled files. A missing source
// directory makes the pass fail and retry with backoff (PollingWorker). Its
// totals (moved, copied, bytes, conflicts, errors) continue across restarts
// in its state record and are exported as qcflow_file_mover_* metrics.
#ifndef QCFLOW_INGEST_FILE_MOVER_FILE_MOVER_WORKER_H_
#define QCFLOW_INGEST_FILE_MOVER_FILE_MOVER_WORKER_H_

#include <string>
#include <vector>

#include "ingest/file_mover/mover.h"
#include "process/component/component.h"
#include "process/component/worker.h"

namespace qcflow::file_mover {

class FileMoverWorker : public component::PollingWorker {
 public:
  FileMoverWorker(const MoverSettings& settings, Kind kind, std::chrono::milliseconds interval,
                  component::PartEnv env);
  ~FileMoverWorker() override;
  // Restores the totals of earlier runs and cleans up leftover temporaries.
  Status Init() override;
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override;

 private:
  bool Pass() override;
  std::string Doing() const override;
  std::string NotIdleWhy() const override { return "files were still settling (settle)"; }

  const MoverSettings settings_;
  const std::chrono::milliseconds interval_;
  FileMover mover_;
  MoverCounts totals_;  // guarded by mu_
};

// `qcflow status`: the "File movers:" table (moved, copied, bytes, conflicts,
// errors, unreadable now) and the JSON field file_mover_errors.
Status FileMoverStatus(Store& store, std::vector<component::SourceState>* states,
                       component::StatusReport* report);

}  // namespace qcflow::file_mover

#endif  // QCFLOW_INGEST_FILE_MOVER_FILE_MOVER_WORKER_H_
