// The runtime part of a [[source.trf]]: each pass journals the settled new
// logs (FileScanner with the TRF shape, trf_capture.h) and derives their
// deliveries (TrfTransform).
#ifndef QCFLOW_INGEST_TRF_TRF_WORKER_H_
#define QCFLOW_INGEST_TRF_TRF_WORKER_H_

#include <memory>
#include <optional>
#include <vector>

#include "ingest/files/file_scan.h"
#include "ingest/trf/columns.h"
#include "ingest/trf/trf_backups.h"
#include "ingest/trf/trf_component.h"
#include "process/component/worker.h"
#include "process/trf/trf_transform.h"

namespace qcflow::trf {

class TrfWorker : public component::PollingWorker {
 public:
  // `kind`: the store's code of kTrfKindName; `sinks`: the parts of
  // config.sinks, kicked when a pass queued deliveries for them.
  TrfWorker(const TrfSourceSettings& config, Kind kind, component::PartEnv env,
            std::vector<component::Part*> sinks);
  ~TrfWorker() override;
  // Loads the installed columns table, restores the counters of earlier runs
  // and fixes the history window.
  Status Init() override;
  // The qcflow_source_* families and qcflow_trf_unsettled.
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override;

 private:
  bool Pass() override;
  std::string Doing() const override;
  std::string NotIdleWhy() const override { return "logs still being written, or not yet derived"; }

  TrfSourceSettings config_;
  ColumnsTable table_;
  std::unique_ptr<files::FileScanner> scanner_;    // made by Init (the history window); with dir
  std::unique_ptr<TrfBackupReader> backups_;       // made by Init; with backups
  std::unique_ptr<TrfTransform> transform_;        // made by Init (the table)
  uint64_t deliveries_total_ = 0;                  // summed over runs
};

// `qcflow status`: a table of the TRF log sources.
Status TrfStatus(Store& store, std::vector<component::SourceState>* states,
                 component::StatusReport* report);

}  // namespace qcflow::trf

#endif  // QCFLOW_INGEST_TRF_TRF_WORKER_H_
