// TrfTransform: journal records of kind "trf" of one source -> one TRF
// delivery per log (trf_delivery.h), stored as derived records and indexed by
// linac and time.
//
// Each Step reads a bounded chunk of the journal after its cursor
// ("transform.trf/<source id>") and commits the deliveries, their index
// entries and the cursor in one WriteSet: a crash repeats a step whole or not
// at all, and re-running over the same journal writes nothing new.
// Quarantined records (not a TRF log) and other sources' records are passed
// over; a damaged log is derived from what decodes, with its issues counted.
// With sinks configured, each delivery's session is stored, indexed by source
// and queued for every sink in the same commit, so a delivery is sent once.
#ifndef QCFLOW_PROCESS_TRF_TRF_TRANSFORM_H_
#define QCFLOW_PROCESS_TRF_TRF_TRANSFORM_H_

#include <cstddef>
#include <string>
#include <vector>

#include "ingest/trf/columns.h"
#include "ingest/trf/decoder.h"
#include "store/record.h"
#include "store/status.h"

namespace qcflow {
class Store;
}

namespace qcflow::trf {

struct TrfTransformConfig {
  std::string source_id;       // whose records it reads
  Kind kind = Kind::kEvent;    // the store's code of "trf" (Store::RegisterKind)
  size_t records_per_step = 64;  // logs are a few MB: a bounded step holds few
  // Sinks the source is routed to: each new delivery becomes a session
  // (trf_session.h) queued for every one of them in the step's commit.
  std::vector<std::string> sinks;
};

struct TrfStepReport {
  size_t records_read = 0;
  size_t deliveries_written = 0;
  size_t damaged = 0;  // of those, logs the decoder reported problems in
  size_t sessions_queued = 0;  // deliveries queued for the routed sinks
  bool caught_up = false;
  std::vector<std::string> problems;

  bool progressed() const { return records_read > 0 || deliveries_written > 0; }
  void Add(const TrfStepReport& r);
};

class TrfTransform {
 public:
  // REQUIRES: store and table outlive the transform.
  TrfTransform(Store* store, const ColumnsTable* table, TrfTransformConfig config);
  Result<TrfStepReport> Step();

 private:
  Store* store_;
  const ColumnsTable* table_;
  TrfTransformConfig config_;
  std::string cursor_name_;
  TrfLog log_;  // reused: its buffer is not allocated per log
};

}  // namespace qcflow::trf

#endif  // QCFLOW_PROCESS_TRF_TRF_TRANSFORM_H_
