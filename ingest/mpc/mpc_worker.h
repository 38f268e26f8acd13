// The runtime part of a [[source.mpc]]: every `interval` a pass scans the TDS
// share (TdsScanner) and steps the MPC transform until caught up, which queues
// sessions in the routed sinks' outboxes. A share that is away makes the pass
// fail and retry with backoff (PollingWorker); the transform still runs, so
// runs journaled earlier become ready as time passes.
#ifndef QCFLOW_INGEST_MPC_MPC_WORKER_H_
#define QCFLOW_INGEST_MPC_MPC_WORKER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/mpc/mpc_component.h"
#include "ingest/mpc/tds_scanner.h"
#include "process/component/component.h"
#include "process/component/worker.h"
#include "process/mpc/mpc_transform.h"

namespace qcflow::mpc {

class MpcWorker : public component::PollingWorker {
 public:
  // `sinks`: the parts of the sinks this source's sessions are routed to.
  MpcWorker(const MpcSourceConfig& config, component::PartEnv env, std::vector<component::Part*> sinks);
  // Joins here, while the members Loop uses still exist.
  ~MpcWorker() override;
  // Restores the transform, the counters of earlier runs and the history window.
  Status Init() override;

 private:
  bool Pass() override;
  std::string Doing() const override;
  std::string NotIdleWhy() const override {
    return "files were still settling or records not yet grouped";
  }

  MpcSourceConfig config_;
  TdsScanner scanner_;              // its since is set by Init (the history window)
  std::optional<MicrosUtc> since_;  // the history window's start; nullopt = all
  bool logged_too_old_ = false;
  std::unique_ptr<MpcTransform> transform_;
};

// `qcflow status`: the late MPC runs (arrived after their session was
// emitted), as a note and the JSON fields late_mpc_runs and
// late_mpc_runs_changed_after_upload.
Status MpcStatus(Store& store, std::vector<component::SourceState>* states,
                 component::StatusReport* report);

}  // namespace qcflow::mpc

#endif  // QCFLOW_INGEST_MPC_MPC_WORKER_H_
