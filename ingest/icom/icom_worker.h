// The runtime part of every [[source.icom]] together.
//
// One CaptureGroup (one io_context, one journal writer thread) connects to
// every linac; the IcomWorker thread turns what it journals into deliveries
// (IcomTransform, one cursor for all linacs, shared with `qcflow backfill
// icom`) every deliveries_interval and records each linac's connection state
// for `qcflow status` ("daemon.source" / <linac>, kind "icom").
//
// Stop order: BeginStop closes every socket with a FIN and drains the hand-off
// queues into the journal, then ends the transform after the step in flight.
#ifndef QCFLOW_INGEST_ICOM_ICOM_WORKER_H_
#define QCFLOW_INGEST_ICOM_ICOM_WORKER_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ingest/icom/capture.h"
#include "ingest/icom/icom_component.h"
#include "process/icom/icom_transform.h"
#include "process/component/worker.h"

namespace qcflow::icom {

class IcomTransform;

struct IcomLinacSnapshot {
  IcomCaptureStats capture;
  uint64_t deliveries = 0;  // stored for this linac, as of the latest count
};

class IcomWorker : public component::Part {
 public:
  // REQUIRES: !sources.empty().
  // `routes`: the linacs whose closed deliveries are queued for sinks;
  // `sinks`: those sinks' parts, kicked when the transform queued some.
  IcomWorker(std::vector<IcomSourceSettings> sources, component::PartEnv env,
             std::map<std::string, icom::DeliveryRoute> routes = {}, std::vector<component::Part*> sinks = {});
  ~IcomWorker() override;

  // Restores the transform (open deliveries) and counts stored deliveries.
  Status Init() override;
  // Connects to every linac, then starts the transform's thread.
  void Begin() override;
  // FIN on every socket, queues drained into the journal; then Stop.
  void BeginStop() override;
  // Persists each linac's final state ("stopped"). Call after Join.
  void PersistStopped() override;
  // Every framed message is journaled (or counted as lost) and the
  // transform has caught up with the journal.
  bool Idle(MicrosUtc now) const override;
  // Messages lost to a stalled journal. iCom streams never finish, so a
  // capture that is simply stopped is not undone.
  void Unfinished(MicrosUtc now, std::vector<std::string>* left) const override;
  // The qcflow_icom_* metric families.
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override;
  std::string WhileStoreRefuses() const override;
  size_t sources() const override { return sources_.size(); }

  std::vector<IcomLinacSnapshot> Snapshot() const;

 private:
  Status StartCapture();
  void StopCapture();
  void Loop() override;
  // One transform pass (steps until caught up or stopping); false on a store error.
  bool Pass();
  void RecountDeliveries();
  void LogGarbage(size_t source, const IcomCaptureStats& stats);
  void Persist(const std::string& state, const std::string& next_run);

  std::vector<IcomSourceSettings> sources_;
  component::PartEnv env_;
  component::Millis interval_;
  std::unique_ptr<CaptureGroup> capture_;
  std::unique_ptr<IcomTransform> transform_;
  std::vector<component::Part*> sinks_;
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
  component::SteadyTime capture_started_{};
  component::SteadyTime last_count_{};

  mutable std::mutex mu_;  // guards the fields below (read by metrics and the supervisor)
  std::vector<uint64_t> deliveries_;  // per source, as counted
  std::vector<std::shared_ptr<spdlog::logger>> linac_log_;  // per source (its log_level)
  bool caught_up_ = false;
  std::string last_error_;
  MicrosUtc last_ok_ = 0;
  uint64_t caught_up_seq_ = 0;  // journal last_seq when the transform last caught up
};

// ComponentKind::build_group: one IcomWorker for every [[source.icom]].
Result<std::vector<std::unique_ptr<component::Part>>> BuildIcomGroup(
    const std::vector<const component::Component*>& all, component::PartEnv& env);

// `qcflow status`: the table of linacs, with the linacs only imported
// (`qcflow backfill icom`) and the deliveries stored now (ComponentKind::status).
Status IcomStatus(Store& store, std::vector<component::SourceState>* states,
                  component::StatusReport* report);

// Deliveries stored for `linac` (process/icom's kDeliveryNs); a key scan.
Result<uint64_t> CountIcomDeliveries(Store& store, const std::string& linac);

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_ICOM_WORKER_H_
