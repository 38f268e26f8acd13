// DeliveryBuilder: groups one linac's decoded iCom messages, in journal
// order, into deliveries. Pure: messages in, delivery updates out; no store.
//
// Rules (shared/spec/icom.md, Deliveries):
// - A message without a Patient ID (idle) closes the open delivery — unless
//   it has decode issues (the element may be what was damaged): then it is
//   ignored. A message without a Field ID element keeps the current field.
// - A message with a Patient ID opens a delivery, or continues the open one
//   unless it splits: another patient, another Field ID, more than
//   max_gap_seconds since the last message, another energy once MU has
//   been delivered (before that the setup may still change it: energies
//   lists every one seen), or Delivery MU going back (a reset) once MU has
//   been delivered — except when the Segment number advanced (step-and-shoot
//   segments may count from 0 again: same beam, counting restarts).
// - Within the gap a delivery continues across counter gaps, repeats and
//   capture-loss events (a reconnect); they are counted (counter_gaps,
//   continuations, capture_losses), not fatal.
// - MU delivered = sum of positive Delivery MU increments. A decrease below
//   the last value by more than mu_epsilon is a reset: counting starts again
//   from 0 (the new value counts as delivered), never subtracting; smaller
//   decreases are noise. A delivery split for another reason than a reset
//   takes the previous delivery's last value as its baseline when the new
//   value is not below it (the counter did not reset: a leftover display or a
//   resumed beam is not counted twice), else 0. A delivery opened after idle
//   starts from 0 (the counter counts from the beam's start).
// - Gantry and collimator ranges are sampled at the messages that show MU
//   being delivered (setup moves are not the delivered range; plain min/max
//   of the angle, an arc through 0° reads 0..360).
// - History appended after live data (a backfill while the daemon runs):
//   when time runs backwards by more than max_gap_seconds, the open delivery
//   is parked, not closed; the older messages form their own deliveries; the
//   first message back within max_gap of the parked delivery's end resumes
//   it (so its MU is not counted twice). A parked delivery is closed
//   (time-gap) once a message comes more than max_gap after its end.
//
// Only deliveries with MU > 0 are reported, unless keep_zero_mu.
// Thread-compatible; one builder per linac.
#ifndef QCFLOW_PROCESS_ICOM_DELIVERY_BUILDER_H_
#define QCFLOW_PROCESS_ICOM_DELIVERY_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "process/icom/delivery.h"
#include "ingest/icom/icom_message.h"
#include "store/time_util.h"

namespace qcflow::icom {

class DeliveryBuilder {
 public:
  // REQUIRES: ValidateDeliveryOptions(options) is OK.
  DeliveryBuilder(std::string linac, DeliveryOptions options);

  // Continues from the deliveries that were open and parked when state was
  // saved (nullopt: none). Forgets pending updates.
  void Restore(std::optional<Delivery> open, std::optional<Delivery> parked = std::nullopt);

  // Feeds one message. `time` is its event time (UTC), `seq` its journal seq;
  // calls must come in journal order.
  void Add(uint64_t seq, MicrosUtc time, const IcomMessage& message);

  // A capture-loss event for this linac: annotates the open delivery.
  void AddCaptureLoss();

  // Deliveries changed since the last call, each once (its latest state):
  // closed ones (final), the open one, a parked one. Only those with MU > 0
  // (or every one when keep_zero_mu).
  std::vector<Delivery> TakeUpdates();

  // The open and the parked delivery (with or without MU), for persisting state.
  const std::optional<Delivery>& open() const { return open_; }
  const std::optional<Delivery>& parked() const { return parked_; }
  const std::string& linac() const { return linac_; }

 private:
  const char* SplitReason(MicrosUtc time, const IcomMessage& m) const;
  bool Near(const Delivery& d, MicrosUtc time) const;  // within max_gap of its end
  void SwitchTimeline(MicrosUtc time);
  void FlushOpen();  // queues the open delivery's pending update
  void Close(const char* reason);
  void Start(uint64_t seq, MicrosUtc time, const IcomMessage& m,
             std::optional<double> baseline_mu);
  void Update(uint64_t seq, MicrosUtc time, const IcomMessage& m);
  bool Reportable(const Delivery& d) const { return options_.keep_zero_mu || d.mu > 0; }

  std::string linac_;
  DeliveryOptions options_;
  std::optional<Delivery> open_;
  std::optional<Delivery> parked_;  // the live delivery while older messages pass
  bool open_changed_ = false;
  bool pending_continuation_ = false;  // a capture loss since the last message
  std::vector<Delivery> closed_;       // updates since the last TakeUpdates
};

}  // namespace qcflow::icom

#endif  // QCFLOW_PROCESS_ICOM_DELIVERY_BUILDER_H_
