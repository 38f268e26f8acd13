// IcomTransform: journal records of kind icom -> deliveries (derived records).
//
// Each Step reads up to records_per_step journal records after its cursor,
// decodes the iCom messages in parallel (oneTBB flow graph; decoding is per
// message), then feeds them in journal order to one DeliveryBuilder per linac
// (grouping is serial per linac). One WriteSet per step commits, atomically:
//   - every delivery the step changed (kDeliveryNs, versioned JSON, replaced
//     while it grows; deliveries without MU are not stored unless
//     keep_zero_mu), and its index entries (by time, patient, field);
//   - each touched linac's open-delivery state (kOpenNs), so Restore()
//     continues a delivery that was open when the process stopped;
//   - a report per malformed message (kMalformedNs);
//   - the cursor.
// A crash between steps therefore repeats a step whole or not at all, and
// re-running over the same journal rewrites identical bytes (restart-
// idempotent): keys are deterministic (linac + first message's seq).
//
// Records: kind icom (quarantined ones are counted as malformed and skipped;
// their bytes stay in the journal); kind event from the same linacs: a
// "capture loss" event annotates the linac's open delivery (capture_losses)
// but never closes it — Delivery MU is cumulative, so the next message still
// carries what was delivered during the loss. Counter gaps are seen from the
// messages' own counters (the "counter gap" events are therefore ignored).
//
// Malformed messages (unusable header, element issues) are counted and
// reported with the journal seq and byte offset; they never abort a step. A
// message whose header is unusable is skipped; one with element issues is
// still grouped with what could be decoded.
//
// PHI: problems and reports never contain patient IDs or names.
#ifndef QCFLOW_PROCESS_ICOM_ICOM_TRANSFORM_H_
#define QCFLOW_PROCESS_ICOM_ICOM_TRANSFORM_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "process/icom/delivery.h"
#include "store/status.h"

namespace qcflow {
class Derived;
class Store;
struct QcSession;
}

namespace qcflow::icom {

// Derived namespaces and index names (for queries, `qcflow status`, sinks).
inline constexpr const char* kDeliveryNs = "icom.delivery";  // key: DeliveryKey(); JSON
inline constexpr const char* kDeliveryByTime = "icom.delivery.by-time";
inline constexpr const char* kDeliveryByPatient = "icom.delivery.by-patient";
inline constexpr const char* kDeliveryByField = "icom.delivery.by-field";
// Per linac (key: linac name): the open delivery's EncodeDelivery JSON, or
// "" when none is open; key linac + "\0parked": the parked live delivery
// while a backfill's older messages pass (see delivery_builder.h), or "".
inline constexpr const char* kOpenNs = "icom.open";
// Per malformed message (key: be64 journal seq): {"linac","seq","issues":[{"offset","what"}]}.
inline constexpr const char* kMalformedNs = "icom.malformed";
// The cursor: kCursorName when config.linacs is empty, else see IcomCursorName.
inline constexpr const char* kCursorName = "transform.icom";

// A linac whose closed deliveries are queued for sinks (its [[route]]s).
struct DeliveryRoute {
  std::string zone;                // the linac's clock, for the session's local times
  std::vector<std::string> sinks;
};

struct IcomTransformConfig {
  std::vector<std::string> linacs;  // only these source ids; empty = all linacs
  // Linac -> route: each delivery it closes is stored as a QcSession
  // (delivery_session.h, kDeliverySessionNs, indexed by source) and queued for
  // the sinks in the same commit. Linacs not listed queue nothing.
  std::map<std::string, DeliveryRoute> routes;
  size_t records_per_step = 8192;   // journal records read per step (all kinds)
  DeliveryOptions grouping;
};

// "transform.icom" for all linacs, else "transform.icom/<sorted,comma,joined>",
// so transforms over disjoint linac sets keep separate cursors.
std::string IcomCursorName(const IcomTransformConfig& config);

struct IcomStepReport {
  size_t records_read = 0;        // iCom and event records visited (Journal::ScanKinds)
  size_t messages_decoded = 0;    // iCom messages grouped
  size_t malformed = 0;           // iCom messages with decode issues or unusable
  size_t deliveries_updated = 0;  // distinct deliveries written by the step
  size_t deliveries_closed = 0;   // of which closed by the step
  size_t sessions_queued = 0;     // closed deliveries stored as sessions for routed sinks
  size_t open_deliveries = 0;     // open or parked (with or without MU) after the step
  bool caught_up = false;         // the cursor reached the end of the journal
  std::vector<std::string> problems;  // readable sentences, no PHI

  // Adds counts and appends problems; open_deliveries and caught_up come from
  // `step` (they describe the latest state).
  void Add(const IcomStepReport& step);
  // Read a record: another step may do more (step_loop.h).
  bool progressed() const { return records_read > 0; }
};

class IcomTransform {
 public:
  // REQUIRES: store outlives the transform and is writable;
  // ValidateDeliveryOptions(config.grouping) is OK.
  IcomTransform(Store* store, IcomTransformConfig config);
  ~IcomTransform();
  IcomTransform(const IcomTransform&) = delete;
  IcomTransform& operator=(const IcomTransform&) = delete;

  // Loads the open deliveries from kOpenNs. Call once before Step (Step
  // calls it itself if not, and after a failed step).
  Status Restore();

  // One step (see above). Errors only when the store fails; the step is then
  // not committed and the next Step restores and repeats it.
  Result<IcomStepReport> Step();

  // Steps by the one stop rule of process/common/step_loop.h; sums the reports.
  Result<IcomStepReport> RunUntilCaughtUp();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every closed delivery of the store as a session (`qcflow export`): the
// session a routed sink got (kDeliverySessionNs) where there is one, else
// DeliverySession(d, zone). In delivery-key (linac, start) order; stops when
// `visit` returns false.
Status ForEachDeliverySession(Derived& derived, const std::string& zone,
                              const std::function<bool(const QcSession&)>& visit);

}  // namespace qcflow::icom

#endif  // QCFLOW_PROCESS_ICOM_ICOM_TRANSFORM_H_
